"""Matching is hard to fool: separators, full-width forms, look-alikes and zero-width characters
never hide a term, and spans always point at the original characters."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from adcraft.compliance import check_text
from adcraft.compliance.normalize import fold

ZH_TERMS = ["全网第一", "最佳", "国家级", "顶级", "根治", "稳赚", "零风险", "药到病除"]
EN_TERMS = ["guaranteed", "risk-free", "unbeatable", "cheapest"]
SEPARATORS = [" ", ".", "·", "-", "*", "_", "\u200b", "\u200d", "～", "、", "/"]


def to_fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in text)


def blocks(text: str, language: str) -> bool:
    return any(f.severity == "block" for f in check_text(text, language=language))


@settings(max_examples=150, deadline=None)
@given(term=st.sampled_from(ZH_TERMS), data=st.data(), prefix=st.sampled_from(["", "这款", "买它！"]))
def test_separators_between_hanzi_never_hide_a_term(term: str, data, prefix: str) -> None:
    # Up to three separator characters per gap (the documented tolerance), any mix of them.
    run = st.lists(st.sampled_from(SEPARATORS), min_size=1, max_size=3).map("".join)
    seps = [data.draw(run) for _ in term[1:]]
    spread = term[0] + "".join(s + c for s, c in zip(seps, term[1:], strict=True))
    text = prefix + spread + "的好物"
    assert blocks(text, "zh"), text


@settings(max_examples=150, deadline=None)
@given(
    term=st.sampled_from(EN_TERMS),
    sep=st.sampled_from([".", "-", "*", "\u200b", " "]),
    case=st.sampled_from(["lower", "upper", "title"]),
    fullwidth=st.booleans(),
)
def test_spelling_out_casing_and_fullwidth_never_hide_an_english_term(term, sep, case, fullwidth) -> None:
    word = {"lower": term.lower(), "upper": term.upper(), "title": term.title()}[case]
    spelt = sep.join(word) if sep != " " or "-" not in word else word
    text = f"The {spelt} offer"  # not "Our": "our cheapest plan" compares the seller with itself
    if fullwidth:
        text = to_fullwidth(text)
    assert blocks(text, "en"), text


@settings(max_examples=100, deadline=None)
@given(term=st.sampled_from(ZH_TERMS + EN_TERMS), before=st.text(max_size=8), after=st.text(max_size=8))
def test_fullwidth_form_of_a_text_blocks_when_the_original_does(term: str, before: str, after: str) -> None:
    text = f"{before} {term} {after}"
    if blocks(text, None):  # type: ignore[arg-type]
        assert blocks(to_fullwidth(text), None)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_spans_map_back_to_the_original(text: str) -> None:
    for f in check_text(text + " 全网第 一 best!"):
        full = text + " 全网第 一 best!"
        assert full[f.span[0] : f.span[1]] == f.matched


@given(st.text(max_size=60))
def test_fold_origin_is_monotone_and_in_range(text: str) -> None:
    folded = fold(text)
    assert len(folded.origin) == len(folded.text)
    assert list(folded.origin) == sorted(folded.origin)
    assert all(0 <= i < len(text) for i in folded.origin)


def test_specific_evasions() -> None:
    for text in [
        "全网ｎｏ．１的防晒霜",
        "第1品牌",
        "頂級羊絨",
        "最\u200b好的选择",
        "N0.1 choice",
        "The bеst serum",
        "World's b3st burger",
        "Guar@nteed to work",
        "g-u-a-r-a-n-t-e-e-d results",
        "#１ sunscreen",
    ]:
        assert blocks(
            text, "zh" if unicodedata.east_asian_width(text[0]) == "W" or "第" in text else "en"
        ) or blocks(text, None), text  # type: ignore[arg-type]


def test_words_containing_a_term_are_not_matched() -> None:
    assert check_text("Bestow a gift", language="en") == []
    assert check_text("A curated list", language="en") == []


def test_pinyin_for_claim_hanzi_is_caught_but_not_inside_words() -> None:
    for text in ["zui佳选择", "ZUI好的面霜", "di一品牌", "wen赚项目"]:
        assert blocks(text, "zh"), text
    assert check_text("audi一款新车", language="zh") == []
