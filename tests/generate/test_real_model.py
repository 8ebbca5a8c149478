"""The one check on the real packaged Gemma 3 270M: a Chinese brief yields Chinese creatives in limits."""

from __future__ import annotations

import re

import pytest

from adcraft.core import Brief, get_platform
from adcraft.generate import GenerationConfig, generate_creatives
from adcraft.models import DEFAULT_MODEL_ID, load_generator


@pytest.mark.real_model
def test_chinese_brief_yields_chinese_creatives_within_limits(adcraft_home) -> None:
    generator = load_generator()
    brief = Brief.from_adgen("类型#上衣*材质#牛仔布*颜色#白色*风格#简约", platform="taobao_title",
                             n_variants=2, seed=7)
    result = generate_creatives(brief, generator, GenerationConfig(max_new_tokens=24, oversample=1))
    taobao = get_platform("taobao_title")
    assert result.creatives, result.dropped
    for creative in result.creatives:
        title = creative.first("title")
        assert creative.model_id == DEFAULT_MODEL_ID
        assert 0 < taobao.length(title) <= 60
        cjk = len(re.findall(r"[\u4e00-\u9fff]", title))
        assert cjk >= max(1, len(re.sub(r"\s", "", title)) // 2), title  # mostly Chinese
        assert not creative.blocked
