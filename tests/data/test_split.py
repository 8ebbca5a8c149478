"""split_by_product keeps every product on one side; check_overlap finds shared products."""

from __future__ import annotations

from pathlib import Path

import pytest

from adcraft.core import Brief, InputError
from adcraft.data import Example, check_overlap, load_examples, split_by_product


def _example(product: str, colour: str, copy: str) -> Example:
    brief = Brief(product=product, attributes=[("颜色", colour)])
    return Example(brief=brief, target={"text": [copy]})


def _examples() -> list[Example]:
    out = []
    for i in range(30):
        for copy in range(1 + i % 3):  # several reference copies per product, as in ADGEN
            out.append(_example("上衣", f"色{i}", f"文案{i}-{copy}"))
    return out


def test_no_product_on_both_sides_and_fraction_roughly_kept() -> None:
    examples = _examples()
    train, val = split_by_product(examples, val_fraction=0.2, seed=1)
    assert len(train) + len(val) == len(examples)
    assert check_overlap(train, val) == []
    assert 0.2 * len(examples) <= len(val) <= 0.2 * len(examples) + 3


def test_split_is_deterministic_and_seed_dependent() -> None:
    examples = _examples()
    first = split_by_product(examples, 0.2, seed=3)[1]
    assert first == split_by_product(examples, 0.2, seed=3)[1]
    other = split_by_product(examples, 0.2, seed=4)[1]
    assert {e.product_key for e in first} != {e.product_key for e in other}


def test_attribute_order_does_not_make_a_new_product() -> None:
    a = Example(brief=Brief(product="裙", attributes=[("a", "1"), ("b", "2")]), target={"text": ["x"]})
    b = Example(brief=Brief(product="裙", attributes=[("b", "2"), ("a", "1")]), target={"text": ["y"]})
    assert a.product_key == b.product_key
    assert check_overlap([a], [b]) == ["裙 (a#1*b#2)"]


def test_one_product_cannot_be_split() -> None:
    with pytest.raises(InputError, match="give a separate validation file"):
        split_by_product([_example("上衣", "红", "a"), _example("上衣", "红", "b")])


def test_bad_fraction() -> None:
    with pytest.raises(InputError, match="between 0 and 1"):
        split_by_product(_examples(), val_fraction=1.5)


def test_shared_adgen_train_and_val_do_not_overlap(adgen_dir: Path) -> None:
    train, val = load_examples(adgen_dir / "train.jsonl"), load_examples(adgen_dir / "val.jsonl")
    assert check_overlap(train, val) == []
    assert check_overlap(train, list(train)[:5])  # a product in both is reported
    inner_train, inner_val = split_by_product(train, 0.1)
    assert check_overlap(inner_train, inner_val) == []
