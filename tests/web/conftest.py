"""Dashboard fixtures: an app on a temp SQLite store, advertisers with keys, a seeded campaign."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

ZH_FIELDS = {"title": ["简约白色牛仔外套 百搭休闲春秋上衣女"]}


@dataclass
class Seeded:
    client: TestClient
    key: str
    other_key: str
    campaign_id: int
    creative_ids: list[int]
    other_campaign_id: int


def seed_campaign(db, advertiser_id: int, fields_list: list[dict], platform: str = "taobao_title",
                  language: str = "zh", product: str = "牛仔外套") -> tuple[int, list[int]]:
    """A campaign whose generation job is already done, with these creatives (no model involved)."""
    from adcraft.api import services
    from adcraft.store.models import Creative

    with db.write() as session:
        campaign, job = services.create_campaign(
            session, advertiser_id, {"product": product, "platform": platform, "language": language,
                                     "n_variants": len(fields_list)})
        job.status, job.n_active = "done", len(fields_list)
        rows = [Creative(campaign_id=campaign.id, fields=f, status="active", findings=[], generation={})
                for f in fields_list]
        session.add_all(rows)
        session.flush()
        return campaign.id, [r.id for r in rows]


@pytest.fixture(params=["sqlite", "postgresql"])
def web(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Seeded]:
    """The app on SQLite, and again on PostgreSQL (skipped where no server runs)."""
    from adcraft.api.app import create_app
    from adcraft.api.settings import Settings
    from adcraft.store import create_api_key

    monkeypatch.setenv("ADCRAFT_HOME", str(tmp_path / "home"))
    if request.param == "postgresql":
        db_url = request.getfixturevalue("postgres_db_url")
    else:
        db_url = f"sqlite:///{tmp_path / 'web.db'}"
    settings = Settings(db_url=db_url, auto_pause_min_impressions=0)
    app = create_app(settings)
    with TestClient(app) as client:
        db = app.state.runtime.db
        with db.write() as session:
            advertiser, key = create_api_key(session, "Acme 服饰")
            other, other_key = create_api_key(session, "Other Co")
            advertiser_id, other_id = advertiser.id, other.id
        campaign_id, creative_ids = seed_campaign(db, advertiser_id, [
            ZH_FIELDS, {"title": ["牛仔外套女 春季新款 宽松显瘦 白色简约百搭 休闲上衣 外搭夹克潮流款式"]}])
        other_campaign_id, _ = seed_campaign(db, other_id, [{"title": ["别家的标题"]}])
        yield Seeded(client, key, other_key, campaign_id, creative_ids, other_campaign_id)


@pytest.fixture()
def login():  # noqa: ANN201 - the sign_in function
    return sign_in


def sign_in(client: TestClient, key: str) -> None:
    response = client.post("/signin", data={"api_key": key, "next": "/campaigns"}, follow_redirects=False)
    assert response.status_code == 303, response.text
