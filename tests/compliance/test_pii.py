"""PII detection on planted examples: checksums decide, not digit counts."""

from __future__ import annotations

from adcraft.compliance import find_pii, scrub_pii
from adcraft.compliance.pii import id_card_checksum_ok, luhn_ok

VALID_ID = "11010519491231002X"  # GB 11643 example number, check digit X
VALID_ID_2 = "440306198807151233"
VALID_CARD = "6222021234567890128"
VISA_TEST = "4111111111111111"


def kinds(text: str) -> list[str]:
    return [f.rule_id for f in find_pii(text)]


def test_checksums() -> None:
    assert id_card_checksum_ok(VALID_ID) and id_card_checksum_ok(VALID_ID_2)
    assert id_card_checksum_ok(VALID_ID.lower().upper())
    assert not id_card_checksum_ok("440306198807151234")
    assert luhn_ok(VALID_CARD) and luhn_ok(VISA_TEST)
    assert not luhn_ok("6222021234567890121")


def test_each_kind_is_found_with_exact_span() -> None:
    text = f"电话13812345678，邮箱 a.b@shop.cn，身份证{VALID_ID}，卡号{VALID_CARD}"
    findings = find_pii(text)
    assert [f.rule_id for f in findings] == ["pii.cn_mobile", "pii.email", "pii.id_card", "pii.bank_card"]
    for f in findings:
        assert text[f.span[0] : f.span[1]] == f.matched
        assert f.severity == "block" and f.category == "pii"


def test_formatted_numbers() -> None:
    assert kinds("+86 138-1234-5678") == ["pii.cn_mobile"]
    assert kinds("138 1234 5678") == ["pii.cn_mobile"]
    assert kinds("card 4111 1111 1111 1111 ok") == ["pii.bank_card"]
    assert kinds(f"id {VALID_ID.lower()}") == ["pii.id_card"]


def test_lookalike_numbers_are_not_pii() -> None:
    assert find_pii("订单号202401010000000001") == []  # 18 digits, bad check digit
    assert find_pii("身份证440306198807151234") == []  # one digit off
    assert find_pii("货号6222021234567890121") == []  # fails Luhn
    # A price is not a number to call; a 400 hotline is contact information platforms forbid.
    assert [f.rule_id for f in find_pii("价格13999元，热线400-820-8820")] == ["pii.cn_service"]
    assert find_pii("型号12345678901") == []  # 11 digits but not a mobile prefix
    assert find_pii("订单138123456789") == []  # 12 digits: not a mobile number


def test_scrub_replaces_with_placeholders() -> None:
    text = f"call 13912345678 or mail x@y.com, ID {VALID_ID}, card {VISA_TEST}."
    assert scrub_pii(text) == "call <PHONE> or mail <EMAIL>, ID <ID_CARD>, card <BANK_CARD>."
    assert scrub_pii("nothing here 123") == "nothing here 123"


def test_fullwidth_and_zero_width_do_not_hide_numbers() -> None:
    text = "电话１３８１２３４５６７８"
    (finding,) = find_pii(text)
    assert finding.rule_id == "pii.cn_mobile" and text[finding.span[0] : finding.span[1]] == finding.matched
    assert kinds("138\u200b1234\u200b5678") == ["pii.cn_mobile"]
    assert scrub_pii("邮箱 ａｂ＠ｅｘ．ｃｏｍ 好") == "邮箱 <EMAIL> 好"
