"""Fixtures for training tests: a small fixed AdvertiseGen-style file and fast options on the tiny model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

PRODUCTS = [
    ("类型#上衣*颜色#白色*风格#简约", "简约的白色上衣，清爽干净，百搭又显气质。"),
    ("类型#裙*颜色#红色*裙型#a字", "红色a字裙，热情明艳，轻松修饰身形。"),
    ("类型#裤*材质#牛仔布*风格#休闲", "休闲牛仔裤，耐穿舒适，日常出街首选。"),
    ("类型#上衣*材质#针织*风格#温柔", "柔软针织上衣，温柔亲肤，秋冬必备。"),
    ("类型#鞋*颜色#黑色*风格#运动", "黑色运动鞋，轻盈透气，跑步也轻松。"),
    ("类型#包*材质#皮革*风格#复古", "复古皮革包，质感满满，通勤约会都合适。"),
    ("类型#裙*材质#雪纺*风格#清新", "清新雪纺裙，飘逸灵动，夏日穿着凉爽。"),
    ("类型#外套*颜色#卡其色*风格#经典", "经典卡其色外套，利落有型，春秋百搭。"),
    ("类型#帽*颜色#蓝色*风格#可爱", "蓝色可爱帽子，俏皮活泼，出游好搭档。"),
    ("类型#围巾*材质#羊毛*风格#保暖", "羊毛围巾，厚实保暖，寒冬里的温柔。"),
    ("类型#衬衫*颜色#条纹*风格#商务", "条纹商务衬衫，干练精神，职场好选择。"),
    ("类型#卫衣*图案#字母*风格#街头", "字母街头卫衣，潮流个性，年轻有态度。"),
]


def write_rows(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text(
        "".join(json.dumps({"content": c, "summary": s}, ensure_ascii=False) + "\n" for c, s in rows),
        encoding="utf-8",
    )
    return path


@pytest.fixture()
def small_data(tmp_path: Path) -> Path:
    return write_rows(tmp_path / "train.jsonl", PRODUCTS[:8])


@pytest.fixture()
def small_val(tmp_path: Path) -> Path:
    return write_rows(tmp_path / "val.jsonl", PRODUCTS[8:])


@pytest.fixture()
def fast_options(tiny_model_dir: Path, tmp_path: Path, small_data: Path, small_val: Path) -> dict:
    """Options for a run of a few seconds on the tiny model; tests override what they examine."""
    return dict(
        model=str(tiny_model_dir),
        data=str(small_data),
        val=str(small_val),
        out=str(tmp_path / "run"),
        batch_size=4,
        max_steps=6,
        lr=5e-3,
        warmup_ratio=0.0,
        eval_steps=2,
        patience=0,
        save_steps=2,
        progress=False,
        bf16=False,
        seeds=1,
        # One thread, always: the default picks 1 or all cores by the machine's load, and a run resumed at
        # another thread count sums in another order, so its weights are no longer bit-identical.
        threads=1,
        max_length=96,
        dropout=0.0,
        loss_vocab="full",
    )


def run_saved_without(option: str, options: dict, run_dir: Path) -> Path:
    """A run folder whose train_config.yaml lacks `option`, as runs saved before it existed do."""
    import yaml

    from adcraft.train import build_config
    from adcraft.train.config import CONFIG_FILE

    saved = build_config(None, **options).model_dump(mode="json")
    del saved[option]
    run_dir.mkdir()
    (run_dir / CONFIG_FILE).write_text(yaml.safe_dump(saved, allow_unicode=True), encoding="utf-8")
    return run_dir


def loss_inputs(config):
    """(model, the training rows as one batch, the loss vocabulary): what the trainer's loss sees."""
    from adcraft.models import load_causal_lm
    from adcraft.train.dataset import collate, target_token_ids, tokenize_examples
    from adcraft.train.methods import build_loss_vocabulary
    from adcraft.train.sft.workflow import load_datasets

    rows, _, _ = load_datasets(config, notify=lambda m: None)
    model, tokenizer = load_causal_lm(config.model)
    data = tokenize_examples(rows, tokenizer, config.max_length)
    vocab = build_loss_vocabulary(config, tokenizer, target_token_ids(data), model.config.vocab_size, {"zh"})
    return model, collate(data, tokenizer.pad_token_id), vocab
