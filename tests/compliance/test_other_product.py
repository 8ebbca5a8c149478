"""A title or headline that names another product than the brief's is off product."""

from adcraft.compliance.quality import check_quality, other_product, product_terms
from adcraft.core import Creative
from adcraft.generate.briefs import brief_from_dict


def _brief(product: str, attributes: dict[str, str], platform: str, language: str):
    return brief_from_dict({"product": product, "attributes": attributes, "platform": platform,
                            "language": language}, "test")


def _other(value: str, brief) -> str | None:
    from adcraft.compliance.faithfulness import brief_text

    return other_product(value, brief, brief_text(brief), product_terms(brief))


def test_another_garment_in_a_title_is_found_and_the_same_kind_passes() -> None:
    jacket = _brief("牛仔外套", {"材质": "牛仔布", "颜色": "白色"}, "taobao_title", "zh")
    assert _other("牛仔外套白色上衣简约牛仔裤", jacket) == "牛仔裤"
    assert _other("牛仔外套白色廓形", jacket) is None
    canvas = _brief("帆布鞋", {"颜色": "米白"}, "taobao_title", "zh")
    assert _other("帆布鞋低帮米白色百搭休闲鞋", canvas) is None  # 休闲鞋 is a 鞋, like the product


def test_english_nouns_match_whole_words_and_plurals() -> None:
    duffel = _brief("weekender duffel bag", {"material": "waxed canvas"}, "meta_feed", "en")
    assert _other("A Wayfarer Goods daypack with a waxed canvas", duffel) == "daypack"
    assert _other("Waxed Canvas Duffel Bag", duffel) is None
    ink = _brief("fountain pen ink", {"bottle": "glass bottle"}, "google_rsa", "en")
    assert _other("Ink for your Notebooks", ink) == "notebook"
    assert _other("Ink in a Glass Bottle", ink) is None


def test_a_product_the_brief_names_is_grounded() -> None:
    scratcher = _brief("猫抓板", {"附赠": "猫薄荷", "适用": "搭配猫砂盆"}, "taobao_title", "zh")
    assert _other("猫抓板附赠猫薄荷 搭配猫砂", scratcher) is None  # 猫砂 is in the brief


def test_bodies_may_name_what_goes_with_the_product() -> None:
    jacket = _brief("牛仔外套", {"材质": "牛仔布"}, "xiaohongshu_note", "zh")
    note = Creative(platform="xiaohongshu_note", language="zh",
                    fields={"title": ["白色牛仔外套"], "body": ["这件牛仔外套搭配牛仔裤和小白鞋都很好看。"]})
    assert not [f for f in check_quality(note, jacket) if f.rule_id == "quality.other_product"]
    note.fields["title"] = ["白色牛仔裤"]
    found = [f for f in check_quality(note, jacket) if f.rule_id == "quality.other_product"]
    assert found and found[0].field == "title" and "牛仔裤" in found[0].reason


def test_a_short_title_says_no_phrase_twice_but_a_long_title_may() -> None:
    from adcraft.compliance.quality import disfluency, is_short_field

    assert is_short_field("taobao_title", "title") and not is_short_field("amazon_title", "title")
    assert disfluency("牛仔外套白色廓形牛仔外套", "title", short=True) == "says '牛仔外套' twice"
    assert disfluency("牛仔外套白色廓形牛仔外套", "title") is None
    assert disfluency("Denim Jacket, Rigid Denim", "headline", short=True) == "says 'denim' twice"
    assert disfluency("牛仔外套白色廓形街头", "title", short=True) is None


def test_another_name_for_the_same_product_and_a_plural_only_noun_pass() -> None:
    skillet = _brief("cast iron skillet", {"size": "10 inch"}, "amazon_title", "en")
    assert _other("Cast Iron Skillet, 10 Inch Frying Pan", skillet) is None
    assert _other("Cast Iron Skillet with a Mug", skillet) == "mug"
    bank = _brief("便携充电宝", {"容量": "10000mAh"}, "taobao_title", "zh")
    assert _other("便携充电宝10000mAh移动电源", bank) is None
    shirt = _brief("linen button-down shirt", {"sleeve": "short sleeve"}, "google_rsa", "en")
    assert _other("Short Sleeve Linen Shirt", shirt) is None  # 'shorts' is listed as written only
    assert _other("Linen Shirt and Shorts", shirt) == "shorts"
