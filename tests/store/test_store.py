"""Migrations from empty, idempotent ingestion and counters, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from adcraft.store import Database, create_api_key
from adcraft.store.db import current_revision, table_names
from adcraft.store.ingest import EventIn, UnknownDecisions, ingest_events, record_decision
from adcraft.store.keys import advertiser_for_key
from adcraft.store.models import Base, Campaign, Creative, CreativeCounter, Event

HEAD = "0002"
TABLES = {
    "advertisers",
    "api_keys",
    "campaigns",
    "creatives",
    "decisions",
    "events",
    "creative_counters",
    "generation_jobs",
}


@pytest.fixture()
def db(db_url: str):
    database = Database(db_url)
    database.upgrade()
    yield database
    database.dispose()


def _campaign(db: Database, advertiser_id: int, n_creatives: int = 2) -> tuple[int, list[int]]:
    with db.write() as s:
        campaign = Campaign(
            advertiser_id=advertiser_id,
            name="c",
            brief={"product": "x"},
            platform="generic",
            policy="ts",
            policy_params={},
            status="active",
        )
        s.add(campaign)
        s.flush()
        creatives = [
            Creative(
                campaign_id=campaign.id,
                fields={"text": [f"t{i}"]},
                findings=[],
                generation={},
                status_reason="",
            )
            for i in range(n_creatives)
        ]
        s.add_all(creatives)
        s.flush()
        return campaign.id, [c.id for c in creatives]


def test_migrations_run_up_from_empty_and_match_the_models(db_url: str):
    database = Database(db_url)
    assert current_revision(database.engine) is None
    database.upgrade()
    assert TABLES <= set(table_names(database.engine))
    assert current_revision(database.engine) == HEAD
    database.upgrade()  # a second run is a no-op, not an error
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"
    database.dispose()


def test_api_keys_are_stored_hashed(db: Database):
    with db.write() as s:
        advertiser, key = create_api_key(s, "acme")
    with db.read() as s:
        assert advertiser_for_key(s, key).id == advertiser.id
        assert advertiser_for_key(s, key[:-1] + ("A" if key[-1] != "A" else "B")) is None
        assert advertiser_for_key(s, "adk_nothing_here") is None
        stored = s.execute(
            select(func.count())
            .select_from(Base.metadata.tables["api_keys"])
            .where(Base.metadata.tables["api_keys"].c.key_hash == key)
        ).scalar()
        assert stored == 0  # the raw key is nowhere in the table


def test_events_are_idempotent_and_update_counters(db: Database):
    with db.write() as s:
        advertiser, _ = create_api_key(s, "acme")
    campaign_id, (a, b) = _campaign(db, advertiser.id)
    with db.write() as s:
        d1 = record_decision(
            s,
            advertiser_id=advertiser.id,
            campaign_id=campaign_id,
            creative_id=a,
            segment="m",
            context=None,
            propensity=0.5,
        )
        d2 = record_decision(
            s,
            advertiser_id=advertiser.id,
            campaign_id=campaign_id,
            creative_id=b,
            segment="",
            context=[1.0],
            propensity=0.5,
        )
    batch = [
        EventIn("e1", d1, "click"),
        EventIn("e2", d1, "conversion", 3.0),
        EventIn("e3", d2, "click"),
        EventIn("e1", d1, "click"),
    ]  # a duplicate inside the batch, too
    with db.write() as s:
        first = ingest_events(s, advertiser.id, batch)
    assert first.accepted == ["e1", "e2", "e3"] and first.duplicates == ["e1"]
    assert len(first.rewards) == 2
    with db.write() as s:
        again = ingest_events(s, advertiser.id, batch)
    assert again.accepted == [] and sorted(again.duplicates) == ["e1", "e1", "e2", "e3"]
    assert again.rewards == []
    with db.read() as s:
        counters = {(c.creative_id, c.segment): c for c in s.scalars(select(CreativeCounter))}
        assert s.scalar(select(func.count()).select_from(Event)) == 3
    assert (counters[(a, "m")].impressions, counters[(a, "m")].clicks) == (1, 1)
    assert (counters[(a, "m")].conversions, counters[(a, "m")].value) == (1, 3.0)
    assert (counters[(b, "")].impressions, counters[(b, "")].clicks) == (1, 1)


def test_events_for_another_advertisers_decision_store_nothing(db: Database):
    with db.write() as s:
        acme, _ = create_api_key(s, "acme")
        globex, _ = create_api_key(s, "globex")
    campaign_id, (a, _) = _campaign(db, acme.id)
    with db.write() as s:
        decision = record_decision(
            s,
            advertiser_id=acme.id,
            campaign_id=campaign_id,
            creative_id=a,
            segment="",
            context=None,
            propensity=1.0,
        )
    with pytest.raises(UnknownDecisions) as caught, db.write() as s:
        ingest_events(s, globex.id, [EventIn("g1", decision, "click")])
    assert caught.value.decision_ids == [decision]
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Event)) == 0


def test_concurrent_retries_of_one_batch_count_once(db: Database):
    """Two connections racing to insert the same events: the unique constraint lets one win."""
    with db.write() as s:
        advertiser, _ = create_api_key(s, "acme")
    campaign_id, (a, _) = _campaign(db, advertiser.id)
    with db.write() as s:
        decisions = [
            record_decision(
                s,
                advertiser_id=advertiser.id,
                campaign_id=campaign_id,
                creative_id=a,
                segment="",
                context=None,
                propensity=1.0,
            )
            for _ in range(50)
        ]
    batch = [EventIn(f"e{i}", d, "click") for i, d in enumerate(decisions)]
    results = []

    def post() -> None:
        with db.write() as s:
            results.append(ingest_events(s, advertiser.id, batch))

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(len(r.accepted) for r in results) == 50
    with db.read() as s:
        assert s.scalar(select(func.sum(CreativeCounter.clicks))) == 50


def test_group_commit_isolates_a_failing_unit(tmp_path):
    """Units that share a commit: one raising rolls back only itself; the others are committed."""
    import asyncio

    from adcraft.store.models import Advertiser

    database = Database(f"sqlite:///{tmp_path / 'group.db'}")
    database.upgrade()

    def add(name: str):
        def unit(session):
            if name == "bad":
                session.add(Advertiser(name="half-written"))
                session.flush()
                raise ValueError("bad unit")
            session.add(Advertiser(name=name))
            session.flush()
            return name

        return unit

    async def main():
        names = [f"a{i}" for i in range(20)] + ["bad"]
        units = [database.run_write_async(add(n)) for n in names]
        return await asyncio.gather(*units, return_exceptions=True)

    results = asyncio.run(main())
    assert [r for r in results if isinstance(r, Exception)][0].args == ("bad unit",)
    assert sorted(r for r in results if isinstance(r, str)) == sorted(f"a{i}" for i in range(20))
    thread_result = database.run_write(add("threaded"))  # the thread writer shares the same lock
    assert thread_result == "threaded"
    with database.read() as s:
        names = set(s.scalars(select(Advertiser.name)))
    assert names == {f"a{i}" for i in range(20)} | {"threaded"}
    database.dispose()
