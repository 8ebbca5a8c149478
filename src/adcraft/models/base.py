"""The one interface every model backend offers, and per-run decoding defaults."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol, runtime_checkable

from adcraft.core.errors import InputError

# Keys of `Generator.complete` that a run's decoding.json may set.
DECODING_KEYS = (
    "n",
    "max_new_tokens",
    "min_new_tokens",
    "temperature",
    "top_p",
    "epsilon_cutoff",
    "repetition_penalty",
    "no_repeat_ngram_size",
    "do_sample",
    "num_beams",
)


@runtime_checkable
class Generator(Protocol):
    """Text completion: for each prompt, `n` sampled continuations (the text after the prompt)."""

    model_id: str

    def complete(
        self,
        prompts: list[str],
        *,
        n: int = 1,
        max_new_tokens: int = 128,
        min_new_tokens: int = 0,
        temperature: float = 0.8,
        top_p: float = 0.95,
        epsilon_cutoff: float = 0.0,
        repetition_penalty: float = 1.1,
        no_repeat_ngram_size: int = 0,
        do_sample: bool = True,
        num_beams: int = 1,
        seed: int | None = None,
        bad_words: list[str] | None = None,
    ) -> list[list[str]]: ...


@runtime_checkable
class ScoringGenerator(Generator, Protocol):
    """A generator that also reports each completion's mean token log-probability (for ranking)."""

    def complete_scored(
        self, prompts: list[str], **kwargs: object
    ) -> list[list[tuple[str, float | None]]]: ...


class CompletesFromScored:
    """`Generator.complete` for backends that implement `complete_scored`: the texts, scores dropped."""

    def complete(self, prompts: list[str], **kwargs) -> list[list[str]]:
        return [[text for text, _ in row] for row in self.complete_scored(prompts, **kwargs)]  # type: ignore[attr-defined]


def decoding_defaults(model: str | None) -> dict:
    """Contents of `<model>/decoding.json` (a training run's chosen decoding settings), else {}."""
    if not model:
        return {}
    path = Path(model).expanduser() / "decoding.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{path} is not a readable JSON object ({exc}); fix or delete it") from None
    if not isinstance(data, dict):
        raise InputError(f"{path} must hold a JSON object of decoding settings, e.g. {{'temperature': 0.7}}")
    # consensus_samples: read by `adcraft evaluate` (adcraft.evaluate.consensus), not a backend key
    settings = {k: v for k, v in data.items() if k in DECODING_KEYS or k in ("seed", "consensus_samples")}
    for key, value in settings.items():
        # Checked here, where the file is named: a string would otherwise fail deep in generation.
        wanted_bool = key == "do_sample"
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if (isinstance(value, bool) if wanted_bool else is_number) or value is None:
            continue
        kind = "true or false" if wanted_bool else "a number"
        raise InputError(f"{path}: {key!r} must be {kind}, not {value!r}; fix or delete the file")
    return settings
