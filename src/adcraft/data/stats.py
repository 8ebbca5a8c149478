"""What `adcraft data inspect` reports about a loaded file: counts, length percentiles, problems."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np

from adcraft.core import get_platform
from adcraft.data.examples import ExampleList, fingerprint

PERCENTILES = (5, 50, 95)


def length_stats(lengths: list[int]) -> dict[str, float]:
    """p5 / p50 / p95 / max / mean of a list of lengths (zeros for an empty list)."""
    if not lengths:
        return {"p5": 0.0, "p50": 0.0, "p95": 0.0, "max": 0.0, "mean": 0.0}
    values = np.asarray(lengths, dtype=float)
    p5, p50, p95 = np.percentile(values, PERCENTILES)
    return {"p5": float(p5), "p50": float(p50), "p95": float(p95), "max": float(values.max()),
            "mean": round(float(values.mean()), 2)}


def summarize(examples: ExampleList, prompt_fn: Callable | None = None) -> dict:
    """A JSON-ready summary of a loaded file.

    Lengths are in characters (each platform field in its own unit for the over-limit count).
    `prompt_fn(brief) -> str` gives the prompt lengths a model will see; without it, the prompt is
    the brief's attributes in AdvertiseGen form.
    """
    target_lengths = [len(e.target_text()) for e in examples]
    prompt = prompt_fn or (lambda brief: brief.adgen_content() or brief.product)
    prompt_lengths = [len(prompt(e.brief)) for e in examples]
    over_limit = 0
    for e in examples:
        spec = get_platform(e.brief.platform)
        fields = {f.name: f for f in spec.fields}
        if any(spec.length(v) > fields[name].max_length for name, values in e.target.items() for v in values):
            over_limit += 1
    return {
        "file": examples.path,
        "format": examples.fmt,
        "rows_read": examples.rows_read,
        "examples": len(examples),
        "products": len({e.product_key for e in examples}),
        "duplicates_dropped": examples.duplicates_dropped,
        "pii_scrubbed": examples.pii_scrubbed,
        "bad_rows": len(examples.problems),
        "over_platform_limit": over_limit,
        "platforms": dict(Counter(e.brief.platform for e in examples)),
        "languages": dict(Counter(e.brief.language for e in examples)),
        "target_chars": length_stats(target_lengths),
        "prompt_chars": length_stats(prompt_lengths),
        "fingerprint": fingerprint(examples),
        "problems": [{"source": p.source, "message": p.message} for p in examples.problems],
    }
