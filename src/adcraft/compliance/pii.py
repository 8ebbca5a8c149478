"""Personal data and contact details in ad copy or training data: Chinese mobile, landline and
400/800 numbers, international (E.164) and North American numbers, e-mail addresses, WeChat and QQ
handles, 18-digit resident ID numbers (ISO 7064 MOD 11-2 check digit) and bank-card numbers (Luhn).

Checksums keep ordinary numbers (order ids, prices, SKUs) from being taken for personal data:
a random 18-digit string passes the ID check one time in eleven, a random card number one in ten.
Number shapes that ordinary copy also uses (a 7-digit 555-0100 is also "250-1000 sq ft") count
only next to a word that introduces a phone number (call, text, 电话, 致电), or with the exchange
555 that North American ads and fiction use for phone numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from adcraft.core.types import Finding

PIPL = "《中华人民共和国个人信息保护法》第十三条、第二十八条"

# Weights of the 17 body digits for the GB 11643-1999 check digit (2^(17-i) mod 11).
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_card_checksum_ok(number: str) -> bool:
    """True if the 18-character resident ID number carries the right ISO 7064 MOD 11-2 check digit."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn_ok(digits: str) -> bool:
    """True if the digit string passes the Luhn (mod 10) check used by bank cards."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _valid_birth_date(number: str) -> bool:
    year, month, day = int(number[6:10]), int(number[10:12]), int(number[12:14])
    return 1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31


@dataclass(frozen=True)
class _PiiKind:
    rule_id: str
    placeholder: str
    pattern: re.Pattern[str]
    valid: Callable[[str], bool]
    reason: str
    group: int = 0  # the regex group that is the personal data (a handle after "微信号：")
    needs_cue: bool = False  # count only after a phone word (call, text, 电话) in the 20 characters before


# Words that introduce a phone number, looked for just before a number shape that is ambiguous.
_PHONE_CUE = re.compile(
    r"(call|text|phone|tel|dial|fax|reach us|contact|whatsapp|sms|电话|致电|热线|拨打|手机|联系)"
)
_NANP = r"[2-9]\d{2}"  # North American area codes and exchanges never start with 0 or 1


_NOT_DIGIT_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_DIGIT_AFTER = r"(?![0-9A-Za-z])"

# Order matters: an ID number can pass the Luhn check too, so IDs are claimed before cards; a
# 400/800 service number is named as such before the North American shape takes it.
_KINDS: tuple[_PiiKind, ...] = (
    _PiiKind(
        "pii.email",
        "<EMAIL>",
        re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"),
        lambda s: True,
        "an e-mail address is personal information and must not appear in ad copy or training data",
    ),
    _PiiKind(
        "pii.id_card",
        "<ID_CARD>",
        re.compile(_NOT_DIGIT_BEFORE + r"\d{6}(?:19|20)\d{9}[\dXx]" + _NOT_DIGIT_AFTER),
        lambda s: id_card_checksum_ok(s) and _valid_birth_date(s),
        "a resident ID-card number (valid check digit) is sensitive personal information",
    ),
    _PiiKind(
        "pii.bank_card",
        "<BANK_CARD>",
        # 13-19 digits, bare or in groups of four separated by a space or hyphen.
        re.compile(
            _NOT_DIGIT_BEFORE
            + r"(?:\d{4}[ \-]){3}\d{1,7}(?!\d)|"
            + _NOT_DIGIT_BEFORE
            + r"\d{13,19}"
            + _NOT_DIGIT_AFTER
        ),
        lambda s: 13 <= len(_digits(s)) <= 19 and luhn_ok(_digits(s)),
        "a bank-card number (passes the Luhn check) is sensitive financial information",
    ),
    _PiiKind(
        "pii.cn_mobile",
        "<PHONE>",
        re.compile(r"(?<![0-9])(?:(?:\+|00)?86[ \-]?)?1[3-9]\d(?:[ \-]?\d{4}){2}(?![0-9])"),
        lambda s: True,
        "a mainland China mobile number is personal information",
    ),
    _PiiKind(
        "pii.cn_landline",
        "<PHONE>",
        # 010-62345678, 021 5888 6666, (0755)86013388: area code 0xx(x), local number of 7-8 digits.
        re.compile(
            r"(?<![0-9A-Za-z])(?:\(0[1-9]\d{1,2}\)|0[1-9]\d{1,2})[ \-]?[2-9]\d{2,3}[ \-]?\d{4}(?![0-9])"
        ),
        lambda s: len(_digits(s)) in (10, 11, 12),
        "a landline number is contact information that ad copy and training data must not carry",
    ),
    _PiiKind(
        "pii.cn_service",
        "<PHONE>",
        re.compile(r"(?<![0-9A-Za-z\-.])[48]00[ \-]?\d{3}[ \-]?\d{4}(?![0-9])"),
        lambda s: True,
        "a 400/800 (toll-free) service number is contact information most platforms forbid in ad copy",
    ),
    _PiiKind(
        "pii.nanp_phone",
        "<PHONE>",
        # (415) 555-2671, 415-555-2671, 212.555.0147, 1-800-555-0199
        re.compile(
            rf"(?<![0-9A-Za-z\-.])(?:1[ \-.])?(?:\({_NANP}\)\s?|{_NANP}[\-.\s])"
            r"[2-9]\d{2}[\-.\s]\d{4}(?![0-9])"
        ),
        lambda s: True,
        "a North American phone number is contact information",
    ),
    _PiiKind(
        "pii.intl_phone",
        "<PHONE>",
        re.compile(r"(?<![0-9A-Za-z])\+[1-9]\d{0,3}(?:[ \-.]?\(?\d{1,4}\)?){2,5}(?![0-9])"),
        lambda s: 8 <= len(_digits(s)) <= 15,
        "an international (E.164) phone number is contact information",
    ),
    _PiiKind(
        "pii.nanp_local",
        "<PHONE>",
        re.compile(r"(?<![0-9\-.])[2-9]\d{2}-\d{4}(?![0-9\-])"),
        lambda s: True,
        "a local phone number is contact information",
        needs_cue=True,
    ),
    _PiiKind(
        "pii.wechat",
        "<WECHAT>",
        # WeChat ids: 6-20 characters, a letter first; after 微信(号) / vx / wx / 加V.
        re.compile(
            r"(?:微信号?|weixin|wechat|vx号?|wx号?|v信|薇信|威信|加\s*v)(?![a-z])\s*(?:号|id)?\s*[:：]?\s*"
            r"([a-z][-_a-z0-9]{5,19})(?![-_a-z0-9])"
        ),
        lambda s: True,
        "a WeChat id is contact information; platforms forbid sending buyers off the platform",
        group=1,
    ),
    _PiiKind(
        "pii.qq",
        "<QQ>",
        re.compile(r"(?:qq|扣扣|企鹅)\s*(?:号码?|群|id)?\s*[:：]?\s*([1-9]\d{4,11})(?![0-9])"),
        lambda s: True,
        "a QQ number is contact information; platforms forbid sending buyers off the platform",
        group=1,
    ),
)


def find_pii(text: str) -> list[Finding]:
    """Every piece of personal data in `text`, as blocking findings with original character spans.

    Matching runs on the folded text, so full-width digits (１３８…) and zero-width characters
    slipped between digits do not hide a number."""
    from adcraft.compliance.normalize import fold

    folded = fold(text)
    taken: list[tuple[int, int]] = []
    findings: list[Finding] = []
    for kind in _KINDS:
        for match in kind.pattern.finditer(folded.text):
            value = match.group(kind.group)
            if not kind.valid(value if kind.rule_id != "pii.id_card" else value.upper()):
                continue
            before = folded.text[max(0, match.start() - 20) : match.start()]
            if kind.needs_cue and not (value.startswith("555") or _PHONE_CUE.search(before)):
                continue
            start, end = folded.span(*match.span(kind.group))
            if any(start < b and a < end for a, b in taken):
                continue
            value = text[start:end]
            taken.append((start, end))
            findings.append(
                Finding(
                    rule_id=kind.rule_id,
                    category="pii",
                    severity="block",
                    reason=kind.reason,
                    source=PIPL,
                    span=(start, end),
                    matched=value,
                    suggestion=kind.placeholder,
                )
            )
    findings.sort(key=lambda f: f.span)
    return findings


def scrub_pii(text: str) -> str:
    """`text` with every piece of personal data replaced by a placeholder (<PHONE>, <EMAIL>, ...)."""
    out = text
    for finding in sorted(find_pii(text), key=lambda f: f.span[0], reverse=True):
        start, end = finding.span
        out = out[:start] + (finding.suggestion or "<PII>") + out[end:]
    return out
