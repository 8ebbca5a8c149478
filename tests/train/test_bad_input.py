"""Every user mistake around `adcraft train` / `export`: one clear message, exit 2, no run folder left."""

from __future__ import annotations

import json
from collections import namedtuple
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adcraft.cli.main import app

runner = CliRunner()


def _cli(*args: str):
    return runner.invoke(app, [str(a) for a in args])


_BOOL_FLAGS = {"bf16": ("--bf16", "--fp32"), "progress": ("--progress", "--no-progress"),
               "mask_placeholders": ("--mask-placeholders", "--learn-placeholders")}


def _flags(options: dict) -> list[str]:
    """The command line for a dict of TrainConfig options."""
    out = []
    for key, value in options.items():
        if key in _BOOL_FLAGS:
            out.append(_BOOL_FLAGS[key][0 if value else 1])
        else:
            out += ["--" + key.replace("_", "-"), str(value)]
    return out


def _assert_clean_failure(result, run_dir: Path, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.output, result.output
    assert not run_dir.exists() or not any(run_dir.iterdir())


def test_missing_data_file(fast_options, tmp_path):
    options = fast_options | {"data": str(tmp_path / "nope.jsonl")}
    _assert_clean_failure(_cli("train", *_flags(options)), Path(options["out"]), "nope.jsonl")


def test_empty_data_file(fast_options, tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    options = fast_options | {"data": str(empty)}
    _assert_clean_failure(_cli("train", *_flags(options)), Path(options["out"]), "empty.jsonl")


def test_row_without_text(fast_options, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"content": "类型#裙*颜色#红色"}, ensure_ascii=False) + "\n", encoding="utf-8")
    options = fast_options | {"data": str(bad)}
    _assert_clean_failure(_cli("train", *_flags(options)), Path(options["out"]), "bad.jsonl")


def test_unknown_method_lists_the_choices(fast_options):
    options = fast_options | {"method": "qlora"}
    _assert_clean_failure(
        _cli("train", *_flags(options)), Path(options["out"]), "qlora", "lora, full, prefix, prompt, adalora"
    )


def test_resume_folder_from_another_base_model(fast_options, tmp_path):
    run_dir = tmp_path / "old-run"
    (run_dir / "checkpoint").mkdir(parents=True)
    config = fast_options | {"model": "some/other-model", "out": str(run_dir)}
    (run_dir / "train_config.yaml").write_text(json.dumps(config))  # JSON is YAML
    (run_dir / "checkpoint" / "trainer_state.json").write_text("{}")
    before = sorted(p.name for p in run_dir.rglob("*"))
    result = _cli("train", "--resume", run_dir, "--model", fast_options["model"])
    assert result.exit_code == 2 and "some/other-model" in result.output, result.output
    assert sorted(p.name for p in run_dir.rglob("*")) == before


def test_resume_folder_that_is_not_a_run(tmp_path):
    result = _cli("train", "--resume", tmp_path)
    assert result.exit_code == 2 and "not an adcraft training run" in result.output


def test_existing_output_folder_is_not_overwritten(fast_options):
    out = Path(fast_options["out"])
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = _cli("train", *_flags(fast_options))
    assert result.exit_code == 2 and "already exists" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]


def test_not_enough_disk_for_a_checkpoint(fast_options, monkeypatch):
    import adcraft.train.checkpoint as checkpoint

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(checkpoint.shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 1000, 1000))
    _assert_clean_failure(
        _cli("train", *_flags(fast_options)), Path(fast_options["out"]), "not enough disk space"
    )


def test_overlapping_val_warns_and_trains(fast_options, small_data):
    options = fast_options | {"val": str(small_data), "max_steps": 1}
    result = _cli("train", *_flags(options))
    assert result.exit_code == 0, result.output
    assert "also in" in result.output and (Path(options["out"]) / "adapter_model.safetensors").is_file()


def test_yaml_config_is_used_and_flags_override_it(fast_options, tmp_path):
    import yaml

    config_file = tmp_path / "opts.yaml"
    config_file.write_text(yaml.safe_dump(fast_options | {"lora_r": 4, "max_steps": 1, "lr": 0.5}))
    result = _cli("train", "--config", config_file, "--lr", "0.001")
    assert result.exit_code == 0, result.output
    saved = yaml.safe_load((Path(fast_options["out"]) / "train_config.yaml").read_text())
    assert saved["lora_r"] == 4 and saved["lr"] == 0.001


@pytest.mark.parametrize("method", ["prefix"])
def test_export_refuses_to_merge_virtual_tokens(method, fast_options, tmp_path):
    options = fast_options | {"method": method, "max_steps": 1}
    assert _cli("train", *_flags(options)).exit_code == 0
    result = _cli("export", options["out"], "--merge", tmp_path / "merged")
    assert result.exit_code == 2 and "cannot be merged" in result.output
    assert not (tmp_path / "merged").exists()
