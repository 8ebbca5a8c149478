"""`adcraft check`: exit codes (0 clean, 1 block, 2 bad input), file formats, JSON output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adcraft.cli.main import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["check", *args])


def test_clean_text_exits_0() -> None:
    result = run("第一次穿就爱上了")
    assert result.exit_code == 0, result.output
    assert "no findings" in result.output


def test_blocking_text_exits_1_and_shows_reason() -> None:
    result = run("全网第一的面霜", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["blocked"] == 1
    (finding,) = data["findings"]
    assert finding["rule_id"] == "zh.absolute.ranking_first"
    assert "第九条" in finding["source"] and finding["span"] == [0, 4]


def test_warnings_alone_exit_0() -> None:
    result = run("Hurry, only 3 left", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output)["findings"][0]["severity"] == "warn"


def test_table_output_names_rule_and_severity() -> None:
    result = runner.invoke(app, ["check", "The best coffee"], env={"COLUMNS": "300"})
    assert result.exit_code == 1
    assert "en.absolute.best" in result.output and "block" in result.output and "FTC" in result.output


def test_platform_field_and_must_avoid_options() -> None:
    assert run("Order Now!", "--platform", "google_rsa", "--field", "headline").exit_code == 1
    assert run("Order Now!", "--platform", "google_rsa", "--field", "description").exit_code == 0
    assert run("cheap sunglasses", "--must-avoid", "cheap,discount").exit_code == 1
    assert run("cheap sunglasses").exit_code == 0


def test_file_formats(tmp_path: Path) -> None:
    jsonl = tmp_path / "ads.jsonl"
    jsonl.write_text(
        json.dumps({"text": "最近很火"}, ensure_ascii=False)
        + "\n"
        + json.dumps(
            {"platform": "amazon_title", "language": "en", "fields": {"title": ["Mug! Best Seller"]}}
        )
        + "\n",
        encoding="utf-8",
    )
    result = run("--file", str(jsonl), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["checked"] == 2
    assert {f["record"] for f in data["findings"]} == {f"{jsonl}:2"}
    assert {f["field"] for f in data["findings"]} == {"title"}

    csv_file = tmp_path / "ads.csv"
    csv_file.write_text("id,text\n1,春季上新\n2,稳赚不赔\n", encoding="utf-8")
    data = json.loads(run("--file", str(csv_file), "--format", "json").output)
    assert data["checked"] == 2 and data["findings"][0]["record"] == f"{csv_file}:3"

    txt = tmp_path / "ads.txt"
    txt.write_text("Soft cotton tee\n\nMade in Portugal\n", encoding="utf-8")
    assert run("--file", str(txt)).exit_code == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"ok line\n\xb5\xc4 gbk", "byte offset 8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "NUL byte at byte offset 8"),
        (b"", "no text"),
    ],
)
def test_bad_files_exit_2_naming_file_and_offset(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    result = run("--file", str(path))
    assert result.exit_code == 2
    assert message in result.output and "bad.txt" in result.output
    assert "Traceback" not in result.output


def test_bad_input_exits_2(tmp_path: Path) -> None:
    assert run("").exit_code == 2
    assert run("   ").exit_code == 2
    assert run().exit_code == 2
    assert run("--file", str(tmp_path / "missing.jsonl")).exit_code == 2
    assert run("x", "--platform", "myspace").exit_code == 2
    assert run("x", "--language", "fr").exit_code == 2
    assert run("x", "--format", "xml").exit_code == 2
    bad_json = tmp_path / "a.jsonl"
    bad_json.write_text("{not json\n", encoding="utf-8")
    result = run("--file", str(bad_json))
    assert result.exit_code == 2 and "a.jsonl:1" in result.output


def test_rules_file_errors_exit_2_and_good_rules_apply(tmp_path: Path) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text(
        "locale: zh\ngroups:\n  - category: vibes\n    source: s\n"
        "    rules: [{id: a, reason: r, terms: [x]}]\n",
        encoding="utf-8",
    )
    result = run("x", "--rules", str(bad))
    assert result.exit_code == 2 and "unknown category 'vibes'" in result.output
    bad.write_text(
        "locale: zh\ngroups:\n  - category: absolute_claim\n    source: s\n"
        "    rules: [{id: a, reason: r, patterns: ['([a-']}]\n",
        encoding="utf-8",
    )
    result = run("x", "--rules", str(bad))
    assert result.exit_code == 2 and "bad regular expression" in result.output
    good = tmp_path / "good.yaml"
    good.write_text(
        "locale: zh\ngroups:\n  - category: absolute_claim\n    source: house style\n"
        "    rules: [{id: house.hot, reason: r, terms: [爆款]}]\n",
        encoding="utf-8",
    )
    assert run("爆款卫衣").exit_code == 0
    assert run("爆.款卫衣", "--rules", str(good)).exit_code == 1


def test_list_rules_shows_every_rule_with_its_source() -> None:
    result = run("--list-rules", "--format", "json")
    assert result.exit_code == 0
    rules = json.loads(result.output)
    ids = {r["id"] for r in rules}
    assert {"zh.absolute.ranking_first", "en.medical.cure", "amazon.title.word_repeats"} <= ids
    assert all(r["source"] for r in rules)
