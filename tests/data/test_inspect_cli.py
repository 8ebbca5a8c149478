"""`adcraft data inspect`: the report, JSON output, and exit code 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from adcraft.cli.main import app

runner = CliRunner()


def test_inspect_json_reports_counts_lengths_and_scrubbing(tmp_path: Path, write_jsonl, adgen_rows) -> None:
    rows = adgen_rows + [adgen_rows[0], {"content": "类型#裙", "summary": "电话13812345678"}]
    path = write_jsonl(tmp_path / "d.jsonl", rows)
    result = runner.invoke(app, ["data", "inspect", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["rows_read"] == 6
    assert summary["examples"] == 5
    assert summary["duplicates_dropped"] == 1
    assert summary["pii_scrubbed"] == 1
    assert summary["products"] == 4
    lengths = [len(r["summary"]) for r in adgen_rows] + [len("电话<PHONE>")]
    assert summary["target_chars"]["max"] == max(lengths)
    assert set(summary["prompt_chars"]) == {"p5", "p50", "p95", "max", "mean"}


def test_inspect_table_lists_problems_with_skip_bad(tmp_path: Path, write_jsonl, adgen_rows) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [adgen_rows[0], "{oops", {"content": "类型#裙", "summary": ""}])
    result = runner.invoke(app, ["data", "inspect", str(path), "--skip-bad"])
    assert result.exit_code == 0, result.output
    assert "d.jsonl:2" in result.stdout and "d.jsonl:3" in result.stdout
    assert "2 bad rows" in result.stdout
    assert "p95" in result.stdout


def test_inspect_bad_row_exits_2_naming_line(tmp_path: Path, write_jsonl, adgen_rows) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [adgen_rows[0], "{oops"])
    result = runner.invoke(app, ["data", "inspect", str(path)])
    assert result.exit_code == 2
    assert "d.jsonl:2" in result.stderr and "not valid JSON" in result.stderr
    assert "Traceback" not in result.output


def test_inspect_missing_empty_and_unmapped_csv_exit_2(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    csv_file = tmp_path / "a.csv"
    csv_file.write_text("name,copy\n伞,晴雨两用\n", encoding="utf-8")
    cases = [
        ([str(tmp_path / "missing.jsonl")], "not found"),
        ([str(empty)], "is empty"),
        ([str(csv_file), "--columns", "product=name,text=body"], "no column 'body'"),
    ]
    for args, message in cases:
        result = runner.invoke(app, ["data", "inspect", *args])
        assert result.exit_code == 2, args
        assert message in result.stderr
