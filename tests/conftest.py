"""Shared fixtures: the real tokenizer, a tiny random Gemma 3 model of the real architecture, databases.

Area-specific fixtures belong in tests/<area>/conftest.py, not here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Tests never reach for the network: a stray Hub lookup fails at once instead of retrying.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "adgen-sample"
POSTGRES_URL = os.environ.get("ADCRAFT_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def adgen_dir() -> Path:
    """The shared ADGEN sample; tests that need it skip cleanly where it is absent."""
    if not (SHARED_DATA / "train.jsonl").exists():
        pytest.skip(f"ADGEN sample not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def default_model_dir() -> Path:
    """The real Gemma 3 270M safetensors cache (converted from the packaged GGUF on first use)."""
    from adcraft.models.default import ensure_default_model

    return ensure_default_model()


@pytest.fixture(scope="session")
def tokenizer(default_model_dir: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(default_model_dir)


def build_tiny_gemma(vocab_size: int, seed: int = 0):
    """A randomly initialised Gemma 3 text model with the real architecture, a few MB in size."""
    import torch
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig

    torch.manual_seed(seed)
    config = Gemma3TextConfig(
        vocab_size=vocab_size,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=16,
        max_position_embeddings=1024,
        sliding_window=64,
        layer_types=["sliding_attention", "full_attention"],
        bos_token_id=2,
        eos_token_id=1,
        pad_token_id=0,
    )
    return Gemma3ForCausalLM(config).eval()


@pytest.fixture(scope="session")
def tiny_gemma_factory():
    """`build_tiny_gemma` as a fixture: test modules cannot import it from conftest by name, since
    several conftest.py files share that module name."""
    return build_tiny_gemma


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory, tokenizer) -> Path:
    """A saved tiny random model + the real tokenizer, loadable by `--model PATH`."""
    out = tmp_path_factory.mktemp("tiny-gemma")
    build_tiny_gemma(len(tokenizer)).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


@pytest.fixture()
def adcraft_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, default_model_dir: Path) -> Path:
    """A fresh ADCRAFT_HOME whose models/ links to the real cache, so nothing is converted twice."""
    home = tmp_path / "home"
    (home / "models").mkdir(parents=True)
    (home / "models" / default_model_dir.name).symlink_to(default_model_dir)
    monkeypatch.setenv("ADCRAFT_HOME", str(home))
    return home


@pytest.fixture()
def postgres_db_url() -> Iterator[str]:
    """A new, empty PostgreSQL database at POSTGRES_URL's server, dropped afterwards (skips if none)."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"adcraft_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no server here"
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {type(exc).__name__}")
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
