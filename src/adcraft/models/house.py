"""The house adapter: a LoRA on Gemma 3 270M that ships in this package and writes the default copy.

It was trained with adcraft's own `train` on the house pairs (`adcraft/data/house/pairs.jsonl`,
every creative faithful to its brief) plus the ADGEN sample; its model card is `house/README.md`.
Generation (`adcraft generate`, the campaign service) uses it when no model is named; `default`
still names the untuned base model, which training and evaluation start from.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

HOUSE_ALIASES = {"house", "adcraft-house"}
HOUSE_MODEL_ID = "adcraft-house (gemma-3-270m + LoRA)"


def house_adapter_dir() -> Path:
    return Path(str(resources.files("adcraft.models").joinpath("house")))


def has_house_adapter() -> bool:
    return (house_adapter_dir() / "adapter_config.json").is_file()


def generation_model(spec: str | None) -> str | None:
    """The model generation uses for `spec`: the house adapter's folder for None or "house" (when it
    ships), anything else as given."""
    if spec is None or spec in HOUSE_ALIASES:
        return str(house_adapter_dir()) if has_house_adapter() else None
    return spec


def package_run(run_dir: Path, out_dir: Path | None = None) -> Path:
    """Copy a training run's adapter into the package as the house adapter: weights in fp16 (half
    the size, upcast on load), the base named `default` (the packaged Gemma), the run's decoding."""
    import json
    import shutil

    from safetensors.torch import load_file, save_file

    out_dir = out_dir or house_adapter_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    weights = load_file(str(run_dir / "adapter_model.safetensors"))
    half = {k: v.half().contiguous() for k, v in weights.items()}
    save_file(half, str(out_dir / "adapter_model.safetensors"))
    config = json.loads((run_dir / "adapter_config.json").read_text(encoding="utf-8"))
    config["base_model_name_or_path"] = "default"
    (out_dir / "adapter_config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    if (run_dir / "decoding.json").is_file():
        shutil.copyfile(run_dir / "decoding.json", out_dir / "decoding.json")
    return out_dir


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 2:
        sys.exit("usage: python -m adcraft.models.house RUN_DIR  (packages the run as the house adapter)")
    print("house adapter written to", package_run(Path(sys.argv[1])))
