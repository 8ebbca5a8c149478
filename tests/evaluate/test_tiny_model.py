"""evaluate_model end to end on the tiny random Gemma: real loading, prompting, decoding, scoring, files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from adcraft.evaluate import evaluate_model


def test_tiny_model_on_four_adgen_rows(tiny_model_dir: Path, adgen_dir: Path, tmp_path: Path) -> None:
    import adcraft.generate

    if not hasattr(adcraft.generate, "build_prompt"):
        pytest.skip("adcraft.generate.build_prompt has not landed yet")
    out = tmp_path / "eval"
    result = evaluate_model(str(tiny_model_dir), adgen_dir / "val.jsonl", limit=4, out_dir=out, batch_size=2,
                            decoding={"max_new_tokens": 12}, progress=False)
    assert result["rows_evaluated"] == 4
    (run,) = result["runs"]
    assert run["decoding"]["max_new_tokens"] == 12 and run["decoding"]["seed"] == 0
    for name in ("bleu-4", "rouge-1", "rouge-2", "rouge-l", "distinct-1", "rep-4", "within_limits"):
        assert 0.0 <= run["metrics"][name] <= 100.0 and math.isfinite(run["metrics"][name])
    assert all(isinstance(row["outputs"][0]["output"], str) for row in result["rows"])
    saved = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))
    assert [r["reference"] for r in saved["rows"]] == [r["reference"] for r in result["rows"]]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "data:image/png;base64," in html
    assert saved["rows"][0]["attributes"] in html
    # a fixed seed: the same rows and settings decode the same outputs again
    again = evaluate_model(str(tiny_model_dir), adgen_dir / "val.jsonl", limit=4, batch_size=2,
                           decoding={"max_new_tokens": 12}, progress=False)
    assert [r["outputs"][0]["raw"] for r in again["rows"]] == [r["outputs"][0]["raw"] for r in result["rows"]]
