"""Length fitting: no returned field ever exceeds its platform limit, and a cut never splits a word."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adcraft.core import PLATFORMS, get_platform
from adcraft.generate.fitting import _word_ends, clean_text, fill_counts, fit_fields, fit_text

FIELDS = [(p.id, f.name) for p in PLATFORMS.values() for f in p.fields]
# Text that mixes Chinese, English words, digits, punctuation of both kinds and whitespace.
ALPHABET = st.sampled_from(list("牛仔外套透气跑鞋轻盈舒适白色经典款") + list("abcdefghij ABC") +
                           list("0123456789") + list("，。！？、；：,.!?;: \n") + ["$", "_", "{", "¬"])
TEXTS = st.text(alphabet=ALPHABET, max_size=700) | st.text(max_size=300)


def _boundary(source: str, end: int) -> bool:
    """Is `end` a place where a cut may fall: the end, next to punctuation/space, or a jieba word end?"""
    if end >= len(source):
        return True
    before, after = source[end - 1], source[end]
    if not (before.isalnum() and after.isalnum()):
        return True
    return end in _word_ends(source)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS, where=st.sampled_from(FIELDS))
def test_fitted_text_never_exceeds_the_limit_nor_splits_a_word(text: str, where: tuple[str, str]) -> None:
    platform = get_platform(where[0])
    spec = platform.field(where[1])
    fitted = fit_text(text, platform, spec.name)
    if fitted is None:
        return
    assert 0 < platform.length(fitted) <= spec.max_length
    assert not set(fitted) & set(platform.forbidden_chars)
    source = clean_text(text, platform, keep_newlines=spec.max_length >= 200)
    assert source.startswith(fitted), "fitting only cuts; it never rewrites the middle of a text"
    assert _boundary(source, len(fitted))


@settings(max_examples=150, deadline=None)
@given(values=st.lists(TEXTS, max_size=20), platform_id=st.sampled_from(list(PLATFORMS)))
def test_fit_fields_keeps_counts_and_limits(values: list[str], platform_id: str) -> None:
    platform = get_platform(platform_id)
    fields, _ = fit_fields({spec.name: values for spec in platform.fields}, platform)
    for spec in platform.fields:
        assert len(fields[spec.name]) <= spec.max_count
        assert all(platform.length(v) <= spec.max_length for v in fields[spec.name])
        assert len({v.lower() for v in fields[spec.name]}) == len(fields[spec.name])


def test_cuts_at_the_last_clause_that_fits_in_chinese_width_units() -> None:
    google = get_platform("google_rsa")  # headline 30 width units = 15 Chinese characters
    fitted = fit_text("超轻透气网面跑步鞋，缓震回弹，适合长距离越野", google, "headline")
    assert fitted == "超轻透气网面跑步鞋，缓震回弹"


def test_a_sentence_is_never_cut_between_words_but_a_keyword_title_is() -> None:
    # "Lightweight trail running" reads as cut off: a headline without a clause that fits is refitted
    # by regeneration, never cut mid-phrase.
    google = get_platform("google_rsa")
    assert fit_text("Lightweight trail running shoes with grippy soles", google, "headline") is None
    amazon = get_platform("amazon_title")  # a keyword title may lose its last terms
    fitted = fit_text("Trail Running Shoes Lightweight Grippy " * 8, amazon, "title")
    assert fitted is not None and fitted.endswith(("Shoes", "Lightweight", "Grippy", "Running", "Trail"))
    taobao = get_platform("taobao_title")
    assert fit_text("超轻透气网面跑步鞋缓震回弹适合长距离越野跑步穿着" * 3, taobao, "title")


def test_decimal_points_and_thousands_are_not_clause_boundaries() -> None:
    meta = get_platform("meta_feed")  # description <= 30
    fitted = fit_text("Only 3.5 kg, in 1,000 colours to choose from today", meta, "description")
    assert fitted == "Only 3.5 kg", fitted
    assert "3." not in fitted or "3.5" in fitted


def test_amazon_forbidden_characters_and_word_repeats() -> None:
    amazon = get_platform("amazon_title")
    fitted = fit_text("Shoes! Shoes for men $ shoes_for trail {shoes} running", amazon, "title")
    assert fitted is not None
    assert not set(fitted) & set("!$?_{}^¬¦")
    assert len(re.findall(r"\bshoes\b", fitted.lower())) <= 2
    assert fitted.lower().count("for") == 2  # prepositions may repeat


def test_text_with_no_boundary_that_fits_does_not_fit() -> None:
    xhs = get_platform("xiaohongshu_note")  # title <= 20 characters
    assert fit_text("a" * 40, xhs, "title") is None


def test_fill_counts_tops_up_google_headlines_from_a_pool() -> None:
    google = get_platform("google_rsa")
    fields = {"headline": ["Trail Shoes"], "description": ["Light and fast."]}
    short = fill_counts(fields, google, ["Trail Shoes", "Grip on wet rock", "Free returns",
                                         "Cushioned for long runs on any trail"])
    assert short == []
    assert len(fields["headline"]) == 3 and len(fields["description"]) == 2
    assert len(set(fields["headline"])) == 3


def test_fill_counts_reports_what_stays_short() -> None:
    google = get_platform("google_rsa")
    fields: dict[str, list[str]] = {"headline": [], "description": []}
    assert fill_counts(fields, google, []) == ["headline: 0 of at least 3", "description: 0 of at least 2"]


@pytest.mark.parametrize("platform_id", list(PLATFORMS))
def test_every_platform_has_a_fit_for_plain_short_text(platform_id: str) -> None:
    platform = get_platform(platform_id)
    for spec in platform.fields:
        assert fit_text("Light shoes", platform, spec.name) == "Light shoes"
