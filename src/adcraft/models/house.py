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
