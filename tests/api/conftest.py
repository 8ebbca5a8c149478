"""API fixtures: a fresh SQLite database per test, an app on it, keys of two advertisers, and a
campaign whose creatives are inserted directly (generation has its own tests)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from adcraft.api.app import create_app
from adcraft.api.settings import Settings
from adcraft.core import Brief
from adcraft.store import Database, create_api_key
from adcraft.store.models import Campaign, Creative

BRIEF = Brief(product="trail running shoes", language="en", platform="generic", n_variants=3)


def _seed_campaign(db: Database, advertiser_id: int, texts: list[str],
                   policy: str = "thompson") -> tuple[int, list[int]]:
    """A campaign with active creatives of these texts; returns (campaign id, creative ids)."""
    with db.write() as session:
        campaign = Campaign(advertiser_id=advertiser_id, name="seeded", brief=BRIEF.model_dump(mode="json"),
                            platform="generic", policy=policy, policy_params={}, status="active", version=1)
        session.add(campaign)
        session.flush()
        creatives = [Creative(campaign_id=campaign.id, fields={"text": [t]}, status="active", findings=[],
                              generation={}, status_reason="") for t in texts]
        session.add_all(creatives)
        session.flush()
        return campaign.id, [c.id for c in creatives]


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    # a model path that does not exist: a job started by a test fails fast instead of loading a model
    return Settings(db_url=f"sqlite:///{tmp_path / 'api.db'}", rate_limit_per_s=0,
                    model=str(tmp_path / "no-model"), auto_pause_min_impressions=0)


@pytest.fixture()
def app_and_client(settings: Settings) -> Iterator[tuple]:
    app = create_app(settings)
    with TestClient(app) as client:
        yield app, client


@pytest.fixture()
def client(app_and_client) -> TestClient:
    return app_and_client[1]


@pytest.fixture()
def db(app_and_client) -> Database:
    return app_and_client[0].state.runtime.db


@pytest.fixture()
def keys(db: Database) -> dict[str, tuple[int, dict[str, str]]]:
    """Advertiser name -> (advertiser id, auth headers)."""
    out = {}
    with db.write() as session:
        for name in ("acme", "globex"):
            advertiser, key = create_api_key(session, name)
            out[name] = (advertiser.id, {"X-API-Key": key})
    return out


@pytest.fixture()
def seed_campaign(db: Database):
    """seed_campaign(advertiser_id, texts, policy="thompson") -> (campaign id, creative ids)."""
    return lambda advertiser_id, texts, policy="thompson": _seed_campaign(db, advertiser_id, texts, policy)
