"""Core types: briefs validate at the door, AdvertiseGen attributes parse, lengths count as platforms do."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from adcraft.core import (
    PLATFORMS,
    Brief,
    Creative,
    InputError,
    get_platform,
    parse_adgen_attributes,
    text_length,
)


def test_adgen_attributes_keep_order_and_repeated_keys() -> None:
    assert parse_adgen_attributes("类型#上衣*风格#复古*风格#休闲") == [
        ("类型", "上衣"), ("风格", "复古"), ("风格", "休闲")]
    with pytest.raises(InputError, match="key#value"):
        parse_adgen_attributes("类型#上衣*材质")


def test_brief_from_adgen_uses_the_type_as_product() -> None:
    brief = Brief.from_adgen("材质#牛仔布*类型#上衣")
    assert brief.product == "上衣" and brief.language == "zh" and brief.platform == "generic"
    assert brief.adgen_content() == "材质#牛仔布*类型#上衣"


@pytest.mark.parametrize(
    "data,message",
    [
        ({"product": " "}, "product must not be empty"),
        ({"product": "x", "platform": "tiktok"}, "unknown platform"),
        ({"product": "x", "language": "fr"}, "'zh' or 'en'"),
        ({"product": "x", "n_variants": 0}, "greater than or equal to 1"),
        ({"product": "x", "n_variants": 65}, "less than or equal to 64"),
        ({"product": "x", "platform": "taobao_title", "language": "en"}, "takes language zh"),
        ({"product": "x", "colour": "red"}, "Extra inputs"),
    ],
)
def test_invalid_briefs_are_rejected(data: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Brief.model_validate(data)


def test_attributes_accept_dicts_pairs_and_adgen_strings() -> None:
    assert Brief(product="x", attributes={"颜色": "白色"}).attributes == [("颜色", "白色")]
    assert Brief(product="x", attributes=["颜色#白色", ("材质", "棉")]).attributes == [
        ("颜色", "白色"), ("材质", "棉")]


def test_width_counts_cjk_and_fullwidth_as_two() -> None:
    assert text_length("牛仔ab，", "width") == 2 + 2 + 1 + 1 + 2
    assert text_length("牛仔ab，", "chars") == 5
    taobao = get_platform("taobao_title")
    assert taobao.fits("title", "字" * 30) and not taobao.fits("title", "字" * 31)


def test_every_platform_cites_a_source_and_has_sane_counts() -> None:
    for platform in PLATFORMS.values():
        assert platform.source
        for spec in platform.fields:
            assert 1 <= spec.min_count <= spec.max_count and spec.max_length > 0
    google = get_platform("google_rsa")
    assert (google.field("headline").min_count, google.field("headline").max_count) == (3, 15)
    assert (google.field("description").min_count, google.field("description").max_count) == (2, 4)
    with pytest.raises(InputError, match="choose one of"):
        get_platform("nope")


def test_creative_text_and_blocked() -> None:
    creative = Creative(platform="meta_feed", fields={"primary_text": ["A"], "headline": ["B"]})
    assert creative.text(" ") == "A B" and creative.first("description") == "" and not creative.blocked
