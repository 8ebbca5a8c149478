"""A fake model stack for evaluation tests: generation and compliance without any model weights."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adcraft.core import Finding

# Rows written for these tests (AdvertiseGen's format, our own copy).
EVAL_ROWS = [
    {"content": "类型#上衣*材质#棉*颜色#白色", "summary": "白色纯棉上衣，柔软透气，日常通勤都合适。"},
    {"content": "类型#裙*版型#显瘦", "summary": "显瘦的版型，轻松穿出好身材。"},
    {"content": "类型#裤*材质#牛仔布", "summary": "休闲牛仔裤，<b>百搭</b>耐穿。"},
    {"content": "类型#鞋*风格#运动", "summary": "轻便运动鞋，跑步通勤两相宜。"},
]


class FakeGenerator:
    """'echo' writes the reference copy, 'other' disjoint text, 'superlative' a flagged claim,
    'long' copy past the generic platform's 500 characters, 'broken' fails like a bad model spec."""

    def __init__(self, spec: str | None, answers: dict[str, str], calls: list) -> None:
        self.model_id = f"fake-{spec}"
        self.spec = spec
        self.answers = answers
        self.calls = calls

    def complete(self, prompts: list[str], *, n: int = 1, **settings) -> list[list[str]]:
        self.calls.append((self.spec, len(prompts), settings))
        out = []
        for prompt in prompts:
            text = {"echo": self.answers[prompt], "other": "甲乙丙丁戊", "superlative": "最好的上衣",
                    "long": "长" * 600}[self.spec]
            out.append([text] * n)
        return out


@pytest.fixture()
def eval_file(tmp_path: Path) -> Path:
    path = tmp_path / "eval.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in EVAL_ROWS) + "\n", encoding="utf-8")
    return path


@pytest.fixture()
def fake_stack(monkeypatch: pytest.MonkeyPatch) -> list:
    """Patch load_generator / build_prompt / parse_output / check_creative; returns the call log."""
    import adcraft.compliance
    import adcraft.generate
    import adcraft.models
    from adcraft.core import InputError

    calls: list = []
    answers = {f"广告:{r['content']}": r["summary"] for r in EVAL_ROWS}

    def load_generator(spec=None, **_):
        if spec == "broken":
            raise InputError("model folder broken not found")
        return FakeGenerator(spec, answers, calls)

    def check_creative(creative, brief=None):
        text = creative.text()
        if "最" not in text:
            return []
        return [Finding(rule_id="ad_law.superlative", category="ad_law", severity="block", reason="最")]

    monkeypatch.setattr(adcraft.models, "load_generator", load_generator)
    monkeypatch.setattr(adcraft.models, "decoding_defaults", lambda spec: {"temperature": 0.7}, raising=False)
    monkeypatch.setattr(adcraft.generate, "build_prompt", lambda brief: f"广告:{brief.adgen_content()}",
                        raising=False)
    monkeypatch.setattr(adcraft.generate, "parse_output", lambda text, platform: {"text": [text.strip()]},
                        raising=False)
    monkeypatch.setattr(adcraft.compliance, "check_creative", check_creative, raising=False)
    return calls
