"""Migration 0002 (the review step) upgrades a database written before it, on SQLite and PostgreSQL:
what served keeps serving, regenerated creatives are marked, finished jobs keep their counts; new
creatives start pending."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from adcraft.store import Database
from adcraft.store.db import current_revision, upgrade
from adcraft.store.models import Campaign, Creative, GenerationJob


@pytest.fixture()
def old_db(db_url: str):
    """A database at revision 0001 holding one campaign, a job and three creatives of that era
    ("copy 1" .. "copy 3"; ids from the sequence, which PostgreSQL advances only when it assigns them)."""
    database = Database(db_url)
    upgrade(database.engine, "0001")
    now = "2026-01-01 00:00:00+00:00"
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO advertisers (id, name, created_at) VALUES (1, 'acme', :now)"),
                     {"now": now})
        conn.execute(text(
            "INSERT INTO campaigns (id, advertiser_id, name, brief, platform, policy, policy_params, status, "
            "version, created_at) VALUES (1, 1, 'old', :brief, 'generic', 'ts', '{}', 'active', 3, :now)"),
            {"brief": json.dumps({"product": "shoes"}), "now": now})
        conn.execute(text(
            "INSERT INTO generation_jobs (id, campaign_id, kind, status, n_requested, n_active, n_blocked, "
            "n_dropped, seed_texts, error, created_at) VALUES (1, 1, 'create', 'done', 4, 2, 1, 3, '[]', '', "
            ":now)"), {"now": now})
        rows = ((1, "active", "create"), (2, "blocked", "create"), (3, "paused", "regenerate"))
        for cid, status, kind in rows:
            conn.execute(text(
                "INSERT INTO creatives (campaign_id, fields, status, findings, generation, "
                "status_reason, created_at) VALUES (1, :fields, :status, '[]', :generation, '', :now)"),
                {"fields": json.dumps({"text": [f"copy {cid}"]}), "status": status,
                 "generation": json.dumps({"kind": kind, "job_id": 1}), "now": now})
    yield database
    database.dispose()


def test_upgrade_keeps_what_served_and_marks_regenerated_creatives(old_db: Database):
    assert current_revision(old_db.engine) == "0001"
    old_db.upgrade()
    assert current_revision(old_db.engine) == "0002"
    with old_db.read() as session:
        creatives = {int(c.fields["text"][0].split()[1]): c for c in session.query(Creative)}
        assert {i: c.status for i, c in creatives.items()} == {1: "active", 2: "blocked", 3: "paused"}
        origins = {i: c.origin for i, c in creatives.items()}
        assert origins == {1: "generated", 2: "generated", 3: "regenerated"}
        assert all(c.original_fields is None and c.reviewed_at is None for c in creatives.values())
        campaign = session.get(Campaign, 1)
        assert campaign.auto_approve is False and campaign.version == 3
        job = session.get(GenerationJob, 1)
        assert (job.n_produced, job.n_active, job.n_pending, job.n_blocked) == (3, 2, 0, 1)
        assert job.dropped_reasons == []


def test_new_rows_default_to_pending_review(old_db: Database):
    old_db.upgrade()
    with old_db.write() as session:
        row = Creative(campaign_id=1, fields={"text": ["new"]}, findings=[], generation={})
        session.add(row)
        session.flush()
        creative_id = row.id
    with old_db.read() as session:
        row = session.get(Creative, creative_id)
        assert (row.status, row.origin, row.original_fields) == ("pending", "generated", None)


def test_downgrade_to_0001_keeps_the_rows_and_upgrades_again(old_db: Database):
    old_db.upgrade()
    downgrade_to_0001(old_db)
    assert current_revision(old_db.engine) == "0001"
    with old_db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM creatives")).scalar() == 3
    old_db.upgrade()
    with old_db.read() as session:
        origins = {c.fields["text"][0]: c.origin for c in session.query(Creative)}
        assert origins["copy 3"] == "regenerated"


def downgrade_to_0001(database: Database) -> None:
    from alembic import command

    from adcraft.store.db import alembic_config

    config = alembic_config(database.engine)
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
