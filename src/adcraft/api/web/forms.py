"""The new-campaign form: posted strings -> a validated `Brief`, or one message per field.

Validation is the Brief's own (pydantic), so the form and the JSON API reject the same briefs;
this module only maps form text to brief values and error locations back to form fields.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from pydantic import ValidationError

from adcraft.core import PLATFORMS, Brief, InputError
from adcraft.core.types import LANGUAGES, MAX_VARIANTS

LANGUAGE_NAMES = {"zh": "中文 (Chinese)", "en": "English"}


@dataclass
class CampaignForm:
    """The form's values exactly as typed, so a rejected brief comes back unchanged."""

    product: str = ""
    name: str = ""
    attributes: str = ""
    audience: str = ""
    tone: str = ""
    platform: str = "generic"
    language: str = "zh"
    brand: str = ""
    n_variants: str = "4"
    examples: str = ""
    must_include: str = ""
    must_avoid: str = ""
    auto_approve: str = ""  # "1" when the box is ticked: serve what passes every gate at once

    @classmethod
    def from_post(cls, data: dict[str, str]) -> CampaignForm:
        known = asdict(cls())
        return cls(**{k: str(data.get(k, v)).replace("\r\n", "\n") for k, v in known.items()})


def platform_options() -> list[tuple[str, str]]:
    return [(p.id, f"{p.name} ({'/'.join(p.languages)})") for p in PLATFORMS.values()]


def language_options() -> list[tuple[str, str]]:
    return [(code, LANGUAGE_NAMES.get(code, code)) for code in LANGUAGES]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def _attributes(text: str) -> list[tuple[str, str]]:
    """Pairs from one `key#value` per line (a line may also hold AdvertiseGen's `k#v*k#v`)."""
    from adcraft.core import parse_adgen_attributes

    pairs: list[tuple[str, str]] = []
    for number, line in enumerate(_lines(text), start=1):
        try:
            pairs.extend(parse_adgen_attributes(line))
        except InputError:
            raise InputError(f"Line {number} ({line!r}) is not key#value. Write one key#value per line, "
                             "e.g. 材质#牛仔布.") from None
    return pairs


def parse_brief(form: CampaignForm) -> tuple[Brief | None, dict[str, str]]:
    """The brief, or None and {field name: message} for every field that is wrong."""
    errors: dict[str, str] = {}
    data: dict[str, object] = {
        "product": form.product, "audience": form.audience.strip(), "tone": form.tone.strip(),
        "platform": form.platform, "language": form.language, "brand": form.brand.strip(),
        "examples": _lines(form.examples), "must_include": _lines(form.must_include),
        "must_avoid": _lines(form.must_avoid),
    }
    try:
        data["attributes"] = _attributes(form.attributes)
    except InputError as exc:
        errors["attributes"] = str(exc)
    try:
        data["n_variants"] = int(form.n_variants.strip())
        if not 1 <= int(data["n_variants"]) <= MAX_VARIANTS:
            raise ValueError
    except ValueError:
        errors["n_variants"] = f"Enter a whole number from 1 to {MAX_VARIANTS}."
    platform = PLATFORMS.get(form.platform)
    if platform is not None and form.language not in platform.languages:
        # checked here too: the Brief checks it only once every single field is valid
        errors["language"] = (f"{platform.name} takes {'/'.join(platform.languages)} copy, not "
                              f"{form.language!r}. Pick another language or platform.")
    if len(form.name) > 200:
        errors["name"] = "Keep the campaign name under 200 characters."
    if errors:
        # still run the brief's own checks so every wrong field is reported at once
        data.setdefault("attributes", [])
        data.setdefault("n_variants", 1)
    try:
        brief = Brief.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "language"
            message = str(error.get("ctx", {}).get("error") or error["msg"]).removeprefix("Value error, ")
            errors.setdefault(name if name in asdict(form) else "_form", _friendly(name, message))
        return None, errors
    return (None, errors) if errors else (brief, {})


def _friendly(name: str, message: str) -> str:
    if name == "product":
        return "Say what is advertised, e.g. 牛仔外套 or trail running shoes."
    if name == "language" and "platform" in message:
        return message[0].upper() + message[1:] + ". Pick another language or platform."
    return message[0].upper() + message[1:] if message else "This value is not valid."
