"""The hand-written house training set and the creative-quality brief suite (issue 21).

The house pairs are faithful by construction: every creative fits its platform, passes the compliance
rules, names its product, and states no number, promise or brand that its brief does not. The brief
suite is for measuring only, so it shares no product with the pairs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from adcraft.compliance import check_creative
from adcraft.core import PLATFORMS, Creative, get_platform
from adcraft.data import load_examples
from adcraft.generate.briefs import brief_from_dict

ROOT = Path(__file__).resolve().parents[2]
PAIRS = ROOT / "src" / "adcraft" / "data" / "house" / "pairs.jsonl"
SUITE = ROOT / "bench" / "briefs" / "creative_quality.jsonl"

# Promises and superlatives a creative may only make when its brief says them.
UNGROUNDED = (
    "包邮", "无理由", "退换", "保修", "质保", "折扣", "打折", "秒杀", "限时", "最", "第一", "顶级", "首选",
    "唯一", "国家级", "100%", "free shipping", "free returns", "warranty", "guarantee", "discount",
    "% off", "best", "#1", "today only", "limited time", "clinically",
)


@pytest.fixture(scope="module")
def examples():
    return load_examples(PAIRS)


@pytest.fixture(scope="module")
def suite() -> list[dict]:
    text = SUITE.read_text(encoding="utf-8")
    return [json.loads(line) for line in text.split("\n") if line.strip()]


def brief_text(example) -> str:
    brief = example.brief
    return " ".join([brief.product, *(v for _, v in brief.attributes), *brief.must_include])


def test_house_pairs_cover_products_platforms_and_languages(examples):
    assert len(examples) >= 360
    assert not examples.problems and examples.duplicates_dropped == 0
    assert len({e.brief.product for e in examples}) >= 80
    assert {e.brief.platform for e in examples} == set(PLATFORMS)
    languages = [e.brief.language for e in examples]
    assert set(languages) == {"zh", "en"}
    assert 0.4 <= languages.count("zh") / len(languages) <= 0.6


def test_every_creative_fits_its_platform(examples):
    for e in examples:
        platform = get_platform(e.brief.platform)
        assert e.brief.language in platform.languages, e.source
        for name, values in e.target.items():
            spec = platform.field(name)
            assert spec.min_count <= len(values) <= spec.max_count, (e.source, name, len(values))
            for value in values:
                assert platform.length(value) <= spec.max_length, (e.source, name, value)


def test_no_creative_has_a_blocking_compliance_finding(examples):
    for e in examples:
        creative = Creative(platform=e.brief.platform, language=e.brief.language, fields=e.target)
        blocking = [f for f in check_creative(creative, e.brief) if f.severity == "block"]
        assert not blocking, (e.source, [(f.rule_id, f.matched) for f in blocking])


def test_every_number_in_a_creative_is_in_its_brief(examples):
    for e in examples:
        source = brief_text(e)
        for digits in re.findall(r"\d+", e.target_text()):
            assert digits in source, (e.source, digits)


def test_creatives_make_no_ungrounded_promise_or_superlative(examples):
    for e in examples:
        text, source = e.target_text().lower(), brief_text(e).lower()
        for term in UNGROUNDED:
            assert term not in text or term in source, (e.source, term)


def test_creatives_name_the_product_and_keep_brand_and_must_include(examples):
    for e in examples:
        text = e.target_text()
        product = e.brief.product
        if e.brief.language == "zh":
            pieces = {product[i : i + 2] for i in range(len(product) - 1)} or {product}
            assert any(p in text for p in pieces), (e.source, product)
        else:
            words = {w for w in re.findall(r"[a-z][a-z-]{2,}", product.lower())}
            assert any(w in text.lower() for w in words), (e.source, product)
        if e.brief.brand:
            assert e.brief.brand.lower() in text.lower(), (e.source, e.brief.brand)
        for phrase in e.brief.must_include:
            assert phrase in text, (e.source, phrase)


def test_brief_suite_parses_and_covers_categories_platforms_languages(suite):
    assert len(suite) >= 72
    ids = [row["id"] for row in suite]
    assert len(ids) == len(set(ids))
    briefs = []
    for row in suite:
        assert set(row) == {"id", "category", "brief"}, row["id"]
        assert not {"n_variants", "seed"} & set(row["brief"]), row["id"]
        briefs.append(brief_from_dict(row["brief"], row["id"]))
    assert len({row["category"] for row in suite}) >= 12
    assert {b.platform for b in briefs} == set(PLATFORMS)
    languages = [b.language for b in briefs]
    assert 0.4 <= languages.count("zh") / len(languages) <= 0.6
    assert sum(bool(b.examples) for b in briefs) >= 6
    assert sum(bool(b.must_include) for b in briefs) >= 5


def test_brief_suite_shares_no_product_with_the_house_pairs(examples, suite):
    trained = {e.brief.product.lower() for e in examples}
    for row in suite:
        product = row["brief"]["product"].lower()
        assert not any(product == t or product in t or t in product for t in trained), (row["id"], product)
