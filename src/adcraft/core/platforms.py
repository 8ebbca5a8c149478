"""Ad platforms as data: their fields, how many of each, length limits and how length is counted.

Each limit cites where it comes from. Where a platform only *recommends* a length (Meta), the
recommendation is used as the limit, because text past it is truncated behind "See more" in the feed.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from adcraft.core.errors import InputError

# "chars": every Unicode code point counts 1.
# "width": East Asian wide / full-width characters (CJK, full-width punctuation) count 2, others 1;
#          this is how Google Ads and Taobao count ("double-width characters count as 2").
LengthUnit = Literal["chars", "width"]


def text_length(text: str, unit: LengthUnit = "chars") -> int:
    """Length of `text` as the platform counts it."""
    if unit == "chars":
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


@dataclass(frozen=True)
class FieldSpec:
    """One text field of a creative, e.g. a Google headline."""

    name: str
    max_length: int
    min_count: int = 1
    max_count: int = 1
    description: str = ""


@dataclass(frozen=True)
class Platform:
    """An ad format: fields, limits, length unit and platform-specific text rules."""

    id: str
    name: str
    fields: tuple[FieldSpec, ...]
    unit: LengthUnit = "chars"
    languages: tuple[str, ...] = ("zh", "en")
    forbidden_chars: str = ""
    max_word_repeats: int | None = None
    source: str = ""
    notes: str = ""
    preview: str = "generic"  # how the dashboard draws it: search / feed / product / note / generic
    extra: dict[str, str] = field(default_factory=dict)

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(f"platform {self.id!r} has no field {name!r}; fields: {[f.name for f in self.fields]}")

    def length(self, text: str) -> int:
        return text_length(text, self.unit)

    def fits(self, field_name: str, text: str) -> bool:
        return self.length(text) <= self.field(field_name).max_length


PLATFORMS: dict[str, Platform] = {
    p.id: p
    for p in (
        Platform(
            id="google_rsa",
            name="Google responsive search ad",
            fields=(
                FieldSpec("headline", 30, 3, 15, "short headline shown in the search result"),
                FieldSpec("description", 90, 2, 4, "one or two sentences under the headlines"),
            ),
            unit="width",
            source=(
                "Google Ads Help, 'About responsive search ads' and 'Ad format character limits' "
                "(support.google.com/google-ads/answer/7684791, /answer/1704389): headlines 30, "
                "descriptions 90; double-width (CJK) characters count as 2."
            ),
            preview="search",
        ),
        Platform(
            id="meta_feed",
            name="Meta (Facebook / Instagram) feed ad",
            fields=(
                FieldSpec("primary_text", 125, 1, 1, "text above the image"),
                FieldSpec("headline", 40, 1, 1, "bold line under the image"),
                FieldSpec("description", 30, 1, 1, "small line under the headline"),
            ),
            source=(
                "Meta Ads Guide, image ads in Facebook Feed (facebook.com/business/ads-guide): "
                "primary text 125, headline 40, description 30 recommended characters; longer text "
                "is cut behind 'See more'."
            ),
            preview="feed",
        ),
        Platform(
            id="taobao_title",
            name="Taobao / Tmall product title",
            fields=(FieldSpec("title", 60, 1, 1, "product title, at most 30 Chinese characters"),),
            unit="width",
            languages=("zh",),
            source=(
                "Taobao seller rules for publishing items (宝贝发布规范): a title holds at most 30 "
                "Chinese characters = 60 bytes; a Chinese character counts 2, a Latin letter or digit 1."
            ),
            preview="product",
        ),
        Platform(
            id="amazon_title",
            name="Amazon product title",
            fields=(FieldSpec("title", 200, 1, 1, "product detail page title"),),
            languages=("en",),
            forbidden_chars="!$?_{}^¬¦",
            max_word_repeats=2,
            source=(
                "Amazon Seller Central, 'Product title requirements and guidelines' (in force since "
                "2025-01-21): at most 200 characters including spaces; no ! $ ? _ { } ^ ¬ ¦; no word "
                "more than twice (prepositions, articles and conjunctions excepted)."
            ),
            preview="product",
        ),
        Platform(
            id="xiaohongshu_note",
            name="Xiaohongshu (RED) note",
            fields=(
                FieldSpec("title", 20, 1, 1, "note title"),
                FieldSpec("body", 1000, 1, 1, "note text"),
            ),
            source=(
                "Xiaohongshu creator editor (creator.xiaohongshu.com): title at most 20 characters, "
                "body at most 1000 characters."
            ),
            preview="note",
        ),
        Platform(
            id="generic",
            name="Generic free-text ad",
            fields=(FieldSpec("text", 500, 1, 1, "free ad copy, e.g. an AdvertiseGen product description"),),
            source=(
                "adcraft's own default for channels without a fixed format; 500 characters holds the "
                "longest AdvertiseGen reference copy."
            ),
            preview="generic",
        ),
    )
}


def get_platform(platform_id: str) -> Platform:
    """The platform with this id, or an InputError that lists the choices."""
    try:
        return PLATFORMS[platform_id]
    except KeyError:
        raise InputError(
            f"unknown platform {platform_id!r}; choose one of: {', '.join(PLATFORMS)}"
        ) from None
