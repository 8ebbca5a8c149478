"""Train/validation splits by product, so validation measures copy for products the model has not seen."""

from __future__ import annotations

import json
import random
from collections import defaultdict

from adcraft.core import InputError
from adcraft.data.examples import Example


def split_by_product(examples: list[Example], val_fraction: float = 0.1,
                     seed: int = 0) -> tuple[list[Example], list[Example]]:
    """(train, val): whole products go to validation until it holds about `val_fraction` of the rows.

    A product is the brief's product plus its attributes (`Example.product_key`); AdvertiseGen has
    several reference copies for one product, and a split by row would put the same product on both
    sides and overstate the scores. The same examples, fraction and seed give the same split; both
    sides keep the input order.
    """
    if not 0.0 < val_fraction < 1.0:
        raise InputError(f"validation fraction must be between 0 and 1, not {val_fraction}")
    groups: dict[str, list[int]] = defaultdict(list)
    for index, example in enumerate(examples):
        groups[example.product_key].append(index)
    if len(groups) < 2:
        raise InputError(
            f"cannot split {len(examples)} examples of {len(groups)} product(s) into train and validation; "
            "give a separate validation file (--val)"
        )
    keys = sorted(groups)
    random.Random(seed).shuffle(keys)
    wanted = max(1, round(val_fraction * len(examples)))
    val_indices: set[int] = set()
    for key in keys[:-1]:  # the last product always stays in training
        if len(val_indices) >= wanted:
            break
        val_indices.update(groups[key])
    train = [e for i, e in enumerate(examples) if i not in val_indices]
    val = [e for i, e in enumerate(examples) if i in val_indices]
    return train, val


def describe_product(key: str) -> str:
    """A product key in a readable form: `牛仔外套 (类型#上衣*颜色#白色)`."""
    product, attributes = json.loads(key)
    pairs = "*".join(f"{k}#{v}" for k, v in attributes)
    return f"{product} ({pairs})" if pairs else product


def check_overlap(train: list[Example], val: list[Example]) -> list[str]:
    """The products (readable, sorted) that appear in both sets; empty when the split is clean.

    The trainer warns with these when a user's `--val` file shares products with the training file.
    """
    shared = {e.product_key for e in train} & {e.product_key for e in val}
    return sorted(describe_product(key) for key in shared)
