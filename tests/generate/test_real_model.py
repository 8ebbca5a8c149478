"""The checks on the real packaged Gemma 3 270M: untuned, and with the packaged house adapter that
`adcraft generate` uses by default. Every returned creative passes every gate again."""

from __future__ import annotations

import re

import pytest

from adcraft.compliance.review import review_creative
from adcraft.core import Brief, get_platform
from adcraft.generate import GenerationConfig, generate_creatives
from adcraft.models import DEFAULT_MODEL_ID, load_generator
from adcraft.models.house import HOUSE_MODEL_ID, generation_model, has_house_adapter


def _assert_shippable(result, brief: Brief) -> None:
    for creative in result.creatives:
        assert not [f for f in review_creative(creative, brief) if f.severity == "block"], creative.fields


@pytest.mark.real_model
def test_chinese_brief_yields_only_gated_chinese_creatives_within_limits(adcraft_home) -> None:
    generator = load_generator()
    brief = Brief.from_adgen("类型#上衣*材质#牛仔布*颜色#白色*风格#简约", platform="taobao_title",
                             n_variants=2, seed=7)
    result = generate_creatives(brief, generator, GenerationConfig(max_new_tokens=24, oversample=1))
    taobao = get_platform("taobao_title")
    assert result.creatives or all(reason for _, reason in result.dropped)
    _assert_shippable(result, brief)
    for creative in result.creatives:
        title = creative.first("title")
        assert creative.model_id == DEFAULT_MODEL_ID
        assert 0 < taobao.length(title) <= 60
        cjk = len(re.findall(r"[\u4e00-\u9fff]", title))
        assert cjk >= max(1, len(re.sub(r"\s", "", title)) // 2), title  # mostly Chinese


@pytest.mark.real_model
@pytest.mark.skipif(not has_house_adapter(), reason="the house adapter is not in this checkout")
@pytest.mark.parametrize("brief", [
    Brief(product="牛仔外套", attributes="类型#上衣*材质#牛仔布*颜色#白色*风格#简约", platform="taobao_title",
          n_variants=4, seed=7),
    Brief(product="trail running shoes", attributes=["weight#240 g", "drop#6 mm"], platform="google_rsa",
          language="en", n_variants=3, seed=7),
], ids=["zh-taobao", "en-google"])
def test_the_house_adapter_writes_the_demo_briefs(adcraft_home, brief: Brief) -> None:
    spec = generation_model(None)
    generator = load_generator(spec)
    assert generator.model_id == HOUSE_MODEL_ID
    result = generate_creatives(brief, generator, GenerationConfig.for_model(spec))
    assert result.creatives, result.drop_summary()  # the demo shows at least one; the shortfall is noted
    _assert_shippable(result, brief)
