"""load_examples: the three formats, validation naming file and line, PII scrubbing, duplicates."""

from __future__ import annotations

from pathlib import Path

import pytest

from adcraft.core import InputError
from adcraft.data import fingerprint, load_examples, parse_columns


def test_adgen_rows_become_generic_zh_briefs_with_text_targets(adgen_file: Path, adgen_rows) -> None:
    examples = load_examples(adgen_file)
    assert examples.fmt == "adgen"
    assert len(examples) == 4
    first = examples[0]
    assert first.brief.product == "上衣"
    assert first.brief.platform == "generic" and first.brief.language == "zh"
    assert first.brief.attributes == [("类型", "上衣"), ("材质", "棉"), ("颜色", "白色")]
    assert first.target == {"text": [adgen_rows[0]["summary"]]}
    assert first.source == "adgen.jsonl:1"


def test_adgen_placeholders_are_kept(tmp_path: Path, write_jsonl) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [{"content": "类型#裙", "summary": "BRAND的裙子，<UNK>很美"}])
    assert load_examples(path)[0].target["text"] == ["BRAND的裙子，<UNK>很美"]


def test_pii_is_scrubbed_in_brief_and_target(tmp_path: Path, write_jsonl) -> None:
    rows = [
        {"content": "类型#上衣*联系#13812345678",
         "summary": "咨询请拨13812345678或写信给 zhang.san@example.com"},
        {"content": "类型#裙", "summary": "身份证11010519491231002X，卡号4111111111111111，欢迎选购"},
        {"content": "类型#裤", "summary": "没有个人信息的文案"},
    ]
    examples = load_examples(write_jsonl(tmp_path / "pii.jsonl", rows))
    assert examples.pii_scrubbed == 2
    assert examples[0].brief.attributes[1] == ("联系", "<PHONE>")
    assert examples[0].target["text"] == ["咨询请拨<PHONE>或写信给 <EMAIL>"]
    assert examples[1].target["text"] == ["身份证<ID_CARD>，卡号<BANK_CARD>，欢迎选购"]
    assert examples[2].target["text"] == ["没有个人信息的文案"]


def test_exact_duplicates_are_dropped_and_counted(tmp_path: Path, write_jsonl, adgen_rows) -> None:
    rows = [adgen_rows[0], adgen_rows[1], adgen_rows[0], adgen_rows[0]]
    examples = load_examples(write_jsonl(tmp_path / "dup.jsonl", rows))
    assert len(examples) == 2
    assert examples.duplicates_dropped == 2


def test_adcraft_jsonl_with_fields_and_top_level_field_names(tmp_path: Path, write_jsonl) -> None:
    rows = [
        {"product": "trail shoes", "language": "en", "platform": "google_rsa", "audience": "runners",
         "fields": {"headline": ["Grip On Any Trail", "Light Trail Shoes", "Run Further"],
                    "description": ["Cushioned trail shoes for long runs."]}},
        {"product": "保温杯", "attributes": {"容量": "500ml"}, "text": "一杯热水，暖一整天。"},
    ]
    examples = load_examples(write_jsonl(tmp_path / "own.jsonl", rows))
    assert examples.fmt == "jsonl"
    assert examples[0].brief.platform == "google_rsa"
    assert examples[0].target["headline"][2] == "Run Further"
    assert examples[1].brief.attributes == [("容量", "500ml")]
    assert examples[1].target == {"text": ["一杯热水，暖一整天。"]}


def test_csv_with_mapped_columns(tmp_path: Path) -> None:
    path = tmp_path / "ads.csv"
    path.write_text("name,copy,notes\n保温杯,\"一杯热水, 暖一整天\",x\n雨伞,晴雨两用,y\n", encoding="utf-8")
    examples = load_examples(path, columns="product=name,text=copy")
    assert [e.brief.product for e in examples] == ["保温杯", "雨伞"]
    assert examples[0].target == {"text": ["一杯热水, 暖一整天"]}
    assert examples[1].source == "ads.csv:3"


def test_csv_with_adcraft_column_names_needs_no_mapping(tmp_path: Path) -> None:
    path = tmp_path / "ads.csv"
    path.write_text("product,attributes,text\n保温杯,容量#500ml*颜色#红,暖一整天\n", encoding="utf-8")
    example = load_examples(path)[0]
    assert example.brief.attributes == [("容量", "500ml"), ("颜色", "红")]


def test_fingerprint_ignores_file_name_but_not_content(tmp_path, adgen_file, write_jsonl, adgen_rows) -> None:
    copy = write_jsonl(tmp_path / "elsewhere.jsonl", adgen_rows)
    assert fingerprint(load_examples(adgen_file)) == fingerprint(load_examples(copy))
    new_row = {"content": "类型#裙", "summary": "新"}
    changed = write_jsonl(tmp_path / "changed.jsonl", adgen_rows[:3] + [new_row])
    assert fingerprint(load_examples(changed)) != fingerprint(load_examples(adgen_file))
    assert len(fingerprint(load_examples(adgen_file))) == 64


def test_shared_adgen_sample_loads_cleanly(adgen_dir: Path) -> None:
    examples = load_examples(adgen_dir / "val.jsonl")
    assert len(examples) == 124 and not examples.problems
    assert len({e.product_key for e in examples}) == 100


# ---- bad input: one InputError naming the file (and line) ----

def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.jsonl not found"):
        load_examples(tmp_path / "nope.jsonl")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("\n  \n", encoding="utf-8")
    with pytest.raises(InputError, match=r"empty\.jsonl is empty"):
        load_examples(path)


def test_csv_with_only_a_header(tmp_path: Path) -> None:
    path = tmp_path / "ads.csv"
    path.write_text("product,text\n", encoding="utf-8")
    with pytest.raises(InputError, match="no example rows"):
        load_examples(path)


def test_row_without_text_names_line(tmp_path: Path, write_jsonl, adgen_rows) -> None:
    path = write_jsonl(tmp_path / "notext.jsonl", [adgen_rows[0], {"content": "类型#裙", "summary": "  "}])
    with pytest.raises(InputError, match=r"notext\.jsonl:2: row has no ad text"):
        load_examples(path)


def test_malformed_json_line_names_line(tmp_path: Path, write_jsonl, adgen_rows) -> None:
    path = write_jsonl(tmp_path / "broken.jsonl", [adgen_rows[0], adgen_rows[1], '{"content": "类型#裙",'])
    with pytest.raises(InputError, match=r"broken\.jsonl:3: not valid JSON"):
        load_examples(path)


def test_csv_without_mapped_column(tmp_path: Path) -> None:
    path = tmp_path / "ads.csv"
    path.write_text("name,copy\n保温杯,暖\n", encoding="utf-8")
    expected = r"no column 'body' \(mapped to 'text'\); its columns are: name, copy"
    with pytest.raises(InputError, match=expected):
        load_examples(path, columns={"product": "name", "text": "body"})


def test_csv_without_any_text_column(tmp_path: Path) -> None:
    path = tmp_path / "ads.csv"
    path.write_text("product,price\n保温杯,9\n", encoding="utf-8")
    with pytest.raises(InputError, match="map a column to 'product' and one to the ad text"):
        load_examples(path)


def test_skip_bad_returns_problems_and_keeps_good_rows(tmp_path: Path, write_jsonl, adgen_rows) -> None:
    rows = [adgen_rows[0], "not json", {"content": "类型#裙"}, [1, 2], {"content": "无井号", "summary": "x"},
            adgen_rows[1]]
    examples = load_examples(write_jsonl(tmp_path / "mixed.jsonl", rows), skip_bad=True)
    assert len(examples) == 2
    assert [p.source for p in examples.problems] == [f"mixed.jsonl:{n}" for n in (2, 3, 4, 5)]
    assert "not valid JSON" in examples.problems[0].message
    assert "no ad text" in examples.problems[1].message
    assert "expected a JSON object" in examples.problems[2].message
    assert "key#value" in examples.problems[3].message


def test_skip_bad_with_no_good_row_still_fails(tmp_path: Path, write_jsonl) -> None:
    with pytest.raises(InputError, match="no usable row"):
        load_examples(write_jsonl(tmp_path / "bad.jsonl", ["{", "}"]), skip_bad=True)


def test_unknown_key_and_wrong_platform_field_are_row_problems(tmp_path: Path, write_jsonl) -> None:
    rows = [{"product": "伞", "txt": "晴雨两用"}, {"product": "伞", "fields": {"headline": ["晴雨两用"]}}]
    examples = load_examples(write_jsonl(tmp_path / "own.jsonl", rows + [{"product": "伞", "text": "好"}]),
                             skip_bad=True)
    assert "unknown key 'txt'" in examples.problems[0].message
    assert "platform 'generic' has no field 'headline'" in examples.problems[1].message


def test_bad_columns_spec() -> None:
    with pytest.raises(InputError, match="not NAME=COLUMN"):
        parse_columns("product")
    assert parse_columns("product=name, text=copy") == {"product": "name", "text": "copy"}
