"""Brief (what to advertise, to whom, where), Creative (what comes out) and Finding (a rule hit)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from adcraft.core.errors import InputError
from adcraft.core.platforms import PLATFORMS, get_platform

Language = Literal["zh", "en"]
LANGUAGES: tuple[str, ...] = ("zh", "en")
MAX_VARIANTS = 64


def parse_adgen_attributes(content: str) -> list[tuple[str, str]]:
    """Parse AdvertiseGen attributes `类型#上衣*材质#牛仔布` into [("类型", "上衣"), ("材质", "牛仔布")].

    Keys may repeat (`风格#复古*风格#休闲`), so the result is a list, not a dict.
    """
    pairs: list[tuple[str, str]] = []
    for part in content.split("*"):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition("#")
        if not sep or not key.strip() or not value.strip():
            raise InputError(f"attribute {part!r} in {content!r} is not of the form key#value")
        pairs.append((key.strip(), value.strip()))
    return pairs


class Brief(BaseModel):
    """What to advertise. Every text field is data for the prompt, never instructions to the model."""

    model_config = ConfigDict(extra="forbid")

    product: str = Field(description="the product or topic, e.g. '牛仔外套' or 'trail running shoes'")
    attributes: list[tuple[str, str]] = Field(default_factory=list, description="key/value pairs")
    audience: str = ""
    platform: str = "generic"
    language: Language = "zh"
    tone: str = ""
    brand: str = ""
    must_include: list[str] = Field(default_factory=list)
    must_avoid: list[str] = Field(default_factory=list)
    examples: list[str] = Field(default_factory=list, description="past ads of the brand, few-shot context")
    n_variants: int = Field(default=4, ge=1, le=MAX_VARIANTS)
    seed: int | None = None

    @field_validator("attributes", mode="before")
    @classmethod
    def _attributes_from_any(cls, value: object) -> object:
        # Accept the AdvertiseGen string, a dict, or a list of pairs / "k#v" strings.
        if isinstance(value, str):
            return parse_adgen_attributes(value)
        if isinstance(value, dict):
            return [(str(k), str(v)) for k, v in value.items()]
        if isinstance(value, list):
            out = []
            for item in value:
                if isinstance(item, str):
                    out.extend(parse_adgen_attributes(item))
                else:
                    out.append(item)
            return out
        return value

    @field_validator("product")
    @classmethod
    def _product_not_empty(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("product must not be empty; say what is advertised, e.g. --product '牛仔外套'")
        return value

    @field_validator("platform")
    @classmethod
    def _known_platform(cls, value: str) -> str:
        if value not in PLATFORMS:
            raise ValueError(f"unknown platform {value!r}; choose one of: {', '.join(PLATFORMS)}")
        return value

    @model_validator(mode="after")
    def _platform_speaks_language(self) -> Brief:
        platform = get_platform(self.platform)
        if self.language not in platform.languages:
            raise ValueError(
                f"platform {self.platform!r} takes language {'/'.join(platform.languages)}, "
                f"not {self.language!r}"
            )
        return self

    @classmethod
    def from_adgen(cls, content: str, **overrides: object) -> Brief:
        """A brief from an AdvertiseGen `content` string; the product is its 类型 value."""
        attributes = parse_adgen_attributes(content)
        product = next((v for k, v in attributes if k == "类型"), attributes[0][1] if attributes else "")
        data: dict[str, object] = {"product": product, "attributes": attributes, "language": "zh"}
        data.update(overrides)
        return cls.model_validate(data)

    def adgen_content(self) -> str:
        """The attributes back in AdvertiseGen form, `k#v*k#v`."""
        return "*".join(f"{k}#{v}" for k, v in self.attributes)


Severity = Literal["block", "warn"]


class Finding(BaseModel):
    """One rule that matched a text: what, where, how bad, why, and on what authority."""

    rule_id: str
    category: str
    severity: Severity
    reason: str
    source: str = ""
    span: tuple[int, int] = (0, 0)  # character offsets in the checked text
    matched: str = ""
    field: str | None = None  # the creative field it was found in, if any
    suggestion: str | None = None


class Creative(BaseModel):
    """One ad variant: the platform's fields (each a list, since e.g. Google takes 3-15 headlines)."""

    platform: str
    language: Language = "zh"
    fields: dict[str, list[str]]
    model_id: str = ""
    prompt_version: str = ""
    scores: dict[str, float] = Field(default_factory=dict)
    findings: list[Finding] = Field(default_factory=list)
    seed: int | None = None

    def text(self, separator: str = "\n") -> str:
        """All field values, in platform field order, joined; what a reader of the ad sees."""
        return separator.join(value for values in self.fields.values() for value in values)

    def first(self, field_name: str) -> str:
        values = self.fields.get(field_name) or [""]
        return values[0]

    @property
    def blocked(self) -> bool:
        return any(f.severity == "block" for f in self.findings)
