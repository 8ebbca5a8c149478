"""evaluate_model and `adcraft evaluate` on a fake generator: scores, comparison, files, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adcraft.core import InputError
from adcraft.evaluate import evaluate_model

runner = CliRunner()


def test_echo_scores_100_and_disjoint_0(eval_file: Path, fake_stack: list, tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = evaluate_model("echo", eval_file, compare="other", out_dir=out, batch_size=3, progress=False)
    first, second = result["runs"]
    assert first["model"] == "echo" and second["model"] == "other"
    assert first["metrics"]["bleu-4"] == pytest.approx(100.0, abs=1e-4)
    assert first["metrics"]["rouge-l"] == pytest.approx(100.0, abs=1e-4)
    assert second["metrics"]["bleu-4"] == 0.0 and second["metrics"]["rouge-1"] == 0.0
    assert first["metrics"]["within_limits"] == 100.0 and first["metrics"]["flagged"] == 0.0
    # both models saw the same rows, in batches of at most 3, with the model's decoding.json + fixed seed
    batches = [(spec, size) for spec, size, _ in fake_stack]
    assert batches == [("echo", 3), ("echo", 1), ("other", 3), ("other", 1)]
    assert fake_stack[0][2] == {"seed": 0, "max_new_tokens": 192, "temperature": 0.7}
    assert len(result["rows"]) == 4 and len(result["rows"][0]["outputs"]) == 2
    assert result["rows"][2]["outputs"][0]["output"] == "休闲牛仔裤，<b>百搭</b>耐穿。"

    saved = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))
    assert saved["runs"][0]["metrics"]["bleu-4"] == pytest.approx(100.0, abs=1e-4)
    assert saved["fingerprint"] == result["fingerprint"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 2
    assert "&lt;b&gt;百搭&lt;/b&gt;" in html and "<b>百搭" not in html  # data is escaped
    assert "类型#上衣*材质#棉*颜色#白色" in html and "甲乙丙丁戊" in html
    assert "<link" not in html and "<script" not in html  # self-contained
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]


def test_limit_overrides_and_rates(eval_file: Path, fake_stack: list) -> None:
    result = evaluate_model("superlative", eval_file, compare="long", limit=2, progress=False,
                            decoding={"temperature": 0.2, "do_sample": False, "top_p": None})
    assert result["rows_evaluated"] == 2
    assert fake_stack[0][2] == {"seed": 0, "max_new_tokens": 192, "temperature": 0.2, "do_sample": False}
    flagged, long = result["runs"]
    assert flagged["metrics"]["flagged"] == 100.0 and flagged["metrics"]["blocked"] == 100.0
    assert flagged["metrics"]["within_limits"] == 100.0
    assert long["metrics"]["within_limits"] == 0.0 and long["metrics"]["flagged"] == 0.0
    assert long["metrics"]["rep-4"] == pytest.approx(100 * 596 / 597)


def test_bad_arguments_fail_before_any_model_loads(eval_file: Path, fake_stack: list, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown decoding setting 'temp'"):
        evaluate_model("echo", eval_file, decoding={"temp": 1.0}, progress=False)
    with pytest.raises(InputError, match="--limit must be at least 1"):
        evaluate_model("echo", eval_file, limit=0, progress=False)
    with pytest.raises(InputError, match="not found"):
        evaluate_model("echo", tmp_path / "missing.jsonl", progress=False)
    assert fake_stack == []


def test_cli_evaluate_writes_files(eval_file: Path, fake_stack: list, tmp_path: Path) -> None:
    from adcraft.cli.main import app

    out = tmp_path / "ev"
    args = ["evaluate", "--model", "echo", "--compare", "other", "--data", str(eval_file), "--out", str(out),
            "--greedy", "--max-new-tokens", "64", "--epsilon-cutoff", "0.02"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "BLEU-4" in result.stdout and "100.00" in result.stdout
    assert fake_stack[0][2]["do_sample"] is False and fake_stack[0][2]["max_new_tokens"] == 64
    assert fake_stack[0][2]["epsilon_cutoff"] == 0.02
    assert (out / "evaluation.json").is_file() and (out / "report.html").is_file()


def test_cli_evaluate_bad_input_exits_2_and_writes_nothing(eval_file: Path, fake_stack: list,
                                                          tmp_path: Path) -> None:
    from adcraft.cli.main import app

    out = tmp_path / "ev"
    for args, message in (
        (["--data", str(tmp_path / "missing.jsonl")], "not found"),
        (["--data", str(eval_file), "--compare", "broken"], "broken not found"),
        (["--data", str(eval_file), "--limit", "0"], "--limit"),
        (["--data", str(eval_file), "--epsilon-cutoff", "1.5"], "--epsilon-cutoff must be a probability"),
    ):
        result = runner.invoke(app, ["evaluate", "--model", "echo", "--out", str(out), *args])
        assert result.exit_code == 2, args
        assert message in result.stderr
        assert not out.exists()


def _interrupted_after(load, fake_stack: list, calls: int):
    """A load_generator whose generators raise KeyboardInterrupt once `calls` generate calls are logged."""

    def load_interrupting(spec=None, **kw):
        generator = load(spec, **kw)
        complete = generator.complete

        def complete_or_fail(prompts, **settings):
            if len(fake_stack) == calls:
                raise KeyboardInterrupt
            return complete(prompts, **settings)

        generator.complete = complete_or_fail
        return generator

    return load_interrupting


def test_interrupted_evaluation_resumes_without_decoding_finished_batches(
        eval_file: Path, fake_stack: list, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import adcraft.models

    out = tmp_path / "ev"
    load = adcraft.models.load_generator
    monkeypatch.setattr(adcraft.models, "load_generator", _interrupted_after(load, fake_stack, calls=1))
    with pytest.raises(KeyboardInterrupt):
        evaluate_model("echo", eval_file, out_dir=out, batch_size=2, progress=False)
    assert len(fake_stack) == 1 and not (out / "evaluation.json").exists()
    assert list((out / ".partial").iterdir())

    monkeypatch.setattr(adcraft.models, "load_generator", load)
    result = evaluate_model("echo", eval_file, out_dir=out, batch_size=2, progress=False)
    assert len(fake_stack) == 2  # only the unfinished batch was decoded again
    assert result["runs"][0]["metrics"]["bleu-4"] == pytest.approx(100.0, abs=1e-4)
    assert not (out / ".partial").exists()
    # different settings do not reuse another run's completions
    evaluate_model("echo", eval_file, out_dir=out, batch_size=2, progress=False, decoding={"seed": 1})
    assert len(fake_stack) == 4


def test_consensus_candidates_are_saved_and_survive_a_resume(
        eval_file: Path, fake_stack: list, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import adcraft.models

    out = tmp_path / "ev"
    load = adcraft.models.load_generator
    consensus = {"consensus_samples": 2}
    # interrupted once the first batch's greedy and sampling calls are done
    monkeypatch.setattr(adcraft.models, "load_generator", _interrupted_after(load, fake_stack, calls=2))
    with pytest.raises(KeyboardInterrupt):
        evaluate_model("echo", eval_file, out_dir=out, batch_size=2, progress=False, decoding=consensus)
    monkeypatch.setattr(adcraft.models, "load_generator", load)
    evaluate_model("echo", eval_file, out_dir=out, batch_size=2, progress=False, decoding=consensus)
    assert len(fake_stack) == 4  # the first batch came from the partial file
    saved = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))
    for row in saved["rows"]:
        output = row["outputs"][0]
        assert output["candidates"] == [row["reference"]] * 3  # greedy + 2 samples, as compared
    plain = evaluate_model("echo", eval_file, batch_size=2, progress=False)
    assert "candidates" not in plain["rows"][0]["outputs"][0]
