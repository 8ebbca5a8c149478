"""Each rule family on positives and innocent look-alikes; spans, sources, suggestions, rule files."""

from __future__ import annotations

import pytest

from adcraft.compliance import apply_suggestions, banned_terms, check_creative, check_text
from adcraft.compliance.rules import builtin_rules, parse_rules
from adcraft.core import Brief, Creative, InputError


def categories(text: str, **kw) -> set[tuple[str, str]]:
    return {(f.category, f.severity) for f in check_text(text, **kw)}


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("全网第一的面霜", "absolute_claim"),
        ("最佳选择，送礼自用", "absolute_claim"),
        ("国家级工艺", "absolute_claim"),
        ("年轻人的首选", "absolute_claim"),
        ("顶级面料，极品手感", "absolute_claim"),
        ("万能清洁剂", "absolute_claim"),
        ("三天治愈失眠", "medical_claim"),
        ("根治脱发", "medical_claim"),
        ("药到病除", "medical_claim"),
        ("保本理财", "financial_guarantee"),
        ("稳赚不赔的项目", "financial_guarantee"),
        ("零风险投资", "financial_guarantee"),
        ("销量突破100万件", "unverified_data"),
        ("90%的用户都选择回购", "unverified_data"),
        ("The best coffee in town", "absolute_claim"),
        ("#1 rated vacuum", "absolute_claim"),
        ("Guaranteed to remove every stain", "absolute_claim"),
        ("100% effective against frizz", "absolute_claim"),
        ("Cures acne in 3 days", "medical_claim"),
        ("Risk-free investment", "financial_guarantee"),
        ("9 out of 10 dentists recommend it", "unverified_data"),
    ],
)
def test_violations_block(text: str, category: str) -> None:
    assert (category, "block") in categories(text)


@pytest.mark.parametrize(
    "text",
    [
        "第一次穿就被夸了",
        "第一步清洁，第二步保湿",
        "唯一的缺点是颜色少",
        "最近天气转凉",
        "最后一步，轻轻按压",
        "治愈系的奶油色",
        "100%纯棉面料",
        "最高可省200元",
        "顾客第一，七天无理由退换",
        "国家级非物质文化遗产技艺",
        "风险提示：理财有风险，投资需谨慎",
        "Best before: see bottom of can",
        "We always try our best to ship fast",
        "For best results, wash at 30°C",
        "Dry-cured ham, aged 18 months",
        "30-day money-back guarantee",
        "Bestow a gift they'll remember",
        "Dog treats made with real chicken",
    ],
)
def test_innocent_lookalikes_pass(text: str) -> None:
    assert check_text(text) == []


def test_urgency_warns_but_does_not_block() -> None:
    assert categories("仅剩3件，手慢无") == {("misleading_urgency", "warn")}
    assert categories("Hurry, only 3 left") == {("misleading_urgency", "warn")}


def test_cited_data_claim_is_softened_to_warn() -> None:
    assert ("unverified_data", "block") in categories("好评率98%")
    assert categories("好评率98%（数据来源：2024年店铺后台统计）") == {("unverified_data", "warn")}


def test_finding_carries_span_source_reason_and_suggestion() -> None:
    text = "这是全网第一的面霜"
    (finding,) = check_text(text)
    assert text[finding.span[0] : finding.span[1]] == finding.matched == "全网第一"
    assert finding.rule_id == "zh.absolute.ranking_first"
    assert "第九条第三项" in finding.source
    assert finding.reason and finding.suggestion == "广受欢迎"


def test_nested_terms_report_once() -> None:
    findings = check_text("全网第一")
    assert [f.matched for f in findings] == ["全网第一"]


def test_every_rule_has_id_reason_source_and_known_category() -> None:
    rules = builtin_rules().rules
    assert len({r.id for r in rules}) == len(rules)
    for rule in rules:
        assert rule.reason and rule.source and rule.severity in ("block", "warn")


def test_amazon_title_rules() -> None:
    p = {"platform": "amazon_title", "language": "en"}
    ids = lambda t: {f.rule_id for f in check_text(t, **p)}  # noqa: E731
    assert ids("Water Bottle! Insulated") == {"amazon.title.forbidden_chars"}
    assert ids("Yoga Mat ¦ Non Slip") == {"amazon.title.forbidden_chars"}
    assert "amazon.title.word_repeats" in ids("Mat Yoga Mat Exercise Mat")
    assert ids("Bamboo Board for the Kitchen and the Home and the Garden") == set()
    assert ids("Free Shipping Wireless Earbuds") == {"amazon.title.promotional"}
    # Platform rules only apply on their platform.
    assert check_text("Water Bottle! Insulated", language="en") == []


def test_google_rules_depend_on_field() -> None:
    g = {"platform": "google_rsa", "language": "en"}
    assert {f.rule_id for f in check_text("Order Flowers Now!", field="headline", **g)} == {
        "google.editorial.headline_exclamation"
    }
    assert check_text("Order by 2pm!", field="description", **g) == []
    assert {f.rule_id for f in check_text("FREE Delivery", field="headline", **g)} == {
        "google.editorial.capitals"
    }
    assert check_text("USB-C Chargers For NASA Fans", field="headline", **g) == []
    assert {f.rule_id for f in check_text("Great prices!!! Shop", field="description", **g)} == {
        "google.editorial.punctuation"
    }


def test_taobao_title_rules() -> None:
    t = {"platform": "taobao_title", "language": "zh"}
    assert ("platform_policy", "block") in {(f.category, f.severity) for f in check_text("高仿大牌包包", **t)}
    assert check_text("1:1复刻运动鞋", **t)[0].rule_id == "taobao.title.counterfeit"
    assert check_text("11月新款羽绒服", **t) == []
    assert {f.severity for f in check_text("连衣裙 连衣裙女 夏季连衣裙 碎花连衣裙", **t)} == {"warn"}


def test_must_avoid_is_matched_tolerantly_and_as_a_word() -> None:
    assert {f.category for f in check_text("C-h-e-a-p sunglasses", must_avoid=["cheap"])} == {"must_avoid"}
    assert check_text("A cheaper way to travel", must_avoid=["cheap"]) == []
    assert check_text("限时折 扣", must_avoid=["折扣"])[0].rule_id == "brief.must_avoid"


def test_apply_suggestions_rewrites_to_clean_text() -> None:
    for text in ["全网第一的面霜，最.佳选择", "The Best coffee, #1 rated", "顶级面料 极品手感"]:
        rewritten = apply_suggestions(text, check_text(text))
        assert rewritten != text
        assert not [f for f in check_text(rewritten) if f.severity == "block"], rewritten


def test_apply_suggestions_keeps_case_and_skips_stale_findings() -> None:
    text = "BEST deal. Best price."
    assert apply_suggestions(text, check_text(text)) == "GREAT deal. Great price."
    stale = check_text("最佳选择")
    assert apply_suggestions("完全不同的文字", stale) == "完全不同的文字"


def test_unfixable_block_leaves_text_for_regeneration() -> None:
    text = "Guaranteed returns of 12%"
    assert apply_suggestions(text, check_text(text)) == text


def test_check_creative_checks_every_field_with_platform_rules() -> None:
    creative = Creative(
        platform="google_rsa",
        language="en",
        fields={
            "headline": ["Fresh Flowers Today", "Order Now!", "Best Roses"],
            "description": ["Call 13812345678."],
        },
    )
    brief = Brief(product="roses", platform="google_rsa", language="en", must_avoid=["roses"])
    by_field = {(f.field, f.rule_id) for f in check_creative(creative, brief)}
    assert ("headline", "google.editorial.headline_exclamation") in by_field
    assert ("headline", "en.absolute.best") in by_field
    assert ("headline", "brief.must_avoid") in by_field
    assert ("description", "pii.cn_mobile") in by_field


def test_banned_terms_hold_only_never_innocent_terms() -> None:
    zh = banned_terms("zh")
    assert "全网第一" in zh and "稳赚" in zh
    assert "第一" not in zh  # 第一次 is innocent, so it is left to the checker
    en = banned_terms("en")
    assert "risk-free" in en and "Risk-free" in en
    assert "best" not in en
    with pytest.raises(InputError):
        banned_terms("fr")


def test_bad_language_and_platform_are_input_errors() -> None:
    with pytest.raises(InputError):
        check_text("x", language="de")
    with pytest.raises(InputError):
        check_text("x", platform="myspace")


RULE_FILE = """
locale: zh
groups:
  - category: {category}
    source: test
    rules:
      - id: t.rule
        reason: test
        {body}
"""


@pytest.mark.parametrize(
    ("category", "body", "message"),
    [
        ("nonsense", "terms: [x]", "unknown category 'nonsense'"),
        ("absolute_claim", "patterns: ['(ab']", "bad regular expression"),
        ("absolute_claim", "check: no_such_check", "unknown check"),
        ("absolute_claim", "terms: [x]\n        except_patterns: ['[z']", "bad regular expression"),
        ("absolute_claim", "colour: red", "unknown key"),
        ("absolute_claim", "severity: fatal\n        terms: [x]", "severity must be"),
    ],
)
def test_bad_rules_files_name_the_problem(category: str, body: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as err:
        parse_rules(RULE_FILE.format(category=category, body=body), "my_rules.yaml")
    assert "my_rules.yaml" in str(err.value)


def test_a_user_rules_file_adds_terms() -> None:
    from adcraft.compliance.checker import with_extra_rules

    extra = parse_rules(RULE_FILE.format(category="absolute_claim", body="terms: [爆款]"), "mine.yaml")
    assert check_text("爆款连衣裙") == []
    assert check_text("爆 款连衣裙", rules=with_extra_rules(extra))[0].rule_id == "t.rule"


def _sample(term: str) -> str:
    return f"这是{term}的好物" if any("\u4e00" <= c <= "\u9fff" for c in term) else f"The {term} offer today"


def test_every_builtin_term_is_found_and_its_suggestion_rewrites_it_clean() -> None:
    for rule in builtin_rules().rules:
        language = None if rule.locale == "any" else rule.locale
        platform = rule.platforms[0] if rule.platforms else None
        for term in rule.terms:
            text = _sample(term)
            findings = check_text(text, language=language, platform=platform)
            assert any(f.category == rule.category for f in findings), (rule.id, term)
            if rule.suggestion_for(term) is None or any(
                f.severity == "block" and f.suggestion is None for f in findings
            ):
                continue
            rewritten = apply_suggestions(text, findings)
            left = [
                f
                for f in check_text(rewritten, language=language, platform=platform)
                if f.severity == "block"
            ]
            assert not left, (rule.id, term, rewritten, left)


def test_language_none_applies_zh_rules_only_to_hanzi_text() -> None:
    assert check_text("100% quality, made in Oslo") == []
    assert check_text("100%满意") != []


@pytest.mark.parametrize(
    "text",
    [
        "没有比它更好的面霜",
        "谁也比不上它的口感",
        "Nothing works better on stains",
        "It beats every other brand",
    ],
)
def test_disguised_superlatives_block(text: str) -> None:
    assert ("absolute_claim", "block") in categories(text)


def test_plain_comparison_is_not_a_superlative() -> None:
    assert check_text("我们没有比上次更贵") == []
    assert check_text("Better than our last model") == []


def test_brand_styled_in_capitals_is_not_shouting() -> None:
    creative = Creative(platform="google_rsa", language="en", fields={"headline": ["IKEA Sofas On SALE"]})
    brief = Brief(product="sofas", brand="IKEA", platform="google_rsa", language="en")
    assert [f.matched for f in check_creative(creative, brief)] == ["SALE"]
    assert {f.matched for f in check_creative(creative)} == {"IKEA", "SALE"}


def test_xiaohongshu_off_platform_diversion() -> None:
    x = {"platform": "xiaohongshu_note", "language": "zh"}
    assert check_text("喜欢的姐妹加 v x 详聊", **x)[0].rule_id == "xiaohongshu.note.off_platform"
    assert check_text("购买戳 https://shop.example.cn", **x)[0].rule_id == "xiaohongshu.note.off_platform"
    assert check_text("这条裙子很适合通勤", **x) == []


def test_being_cheered_up_is_not_a_cure_but_a_cured_illness_is() -> None:
    assert check_text("被这只小熊玩偶治愈了，抱着睡特别安心") == []
    assert check_text("周末被这部电影治愈了") == []
    assert ("medical_claim", "block") in categories("我的失眠被这款药治愈了")
    assert ("medical_claim", "block") in categories("好开心，我的痘痘被它治愈了")


def test_questions_and_price_floors_are_not_superlatives_but_inserted_audiences_are() -> None:
    assert check_text("今年最流行什么颜色？来看看新品") == []
    assert check_text("售价最低59元起") == []
    assert ("absolute_claim", "block") in categories("最受宝妈欢迎的奶瓶")
    assert ("absolute_claim", "block") in categories("最低价59元")
