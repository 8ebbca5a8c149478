"""Small data files written by the tests themselves (no AdvertiseGen rows are copied into the repo)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# Rows written for these tests: AdvertiseGen's format, our own products and copy.
ADGEN_ROWS = [
    {"content": "类型#上衣*材质#棉*颜色#白色", "summary": "白色纯棉上衣，柔软透气，日常通勤都合适。"},
    {"content": "类型#裙*版型#显瘦*裙长#连衣裙", "summary": "显瘦的连衣裙版型，轻松穿出好身材。"},
    {"content": "类型#裤*材质#牛仔布*风格#休闲", "summary": "休闲牛仔裤，百搭耐穿。"},
    {"content": "类型#上衣*材质#棉*颜色#白色", "summary": "这件白色上衣用纯棉面料，穿着舒服。"},
]


def _write_jsonl(path: Path, rows: list) -> Path:
    lines = [row if isinstance(row, str) else json.dumps(row, ensure_ascii=False) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture()
def write_jsonl():
    """write_jsonl(path, rows): rows are dicts (dumped) or raw strings (written as they are)."""
    return _write_jsonl


@pytest.fixture()
def adgen_rows() -> list[dict]:
    return [dict(row) for row in ADGEN_ROWS]


@pytest.fixture()
def adgen_file(tmp_path: Path) -> Path:
    return _write_jsonl(tmp_path / "adgen.jsonl", ADGEN_ROWS)
