"""Decisions and events through the JSON API: idempotent ingestion, counters, clear errors."""

from __future__ import annotations

import uuid


def _decide(client, headers, campaign_id, **body):
    response = client.post(f"/v1/campaigns/{campaign_id}/decide", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_decide_logs_impression_with_propensity(client, db, keys, seed_campaign):
    advertiser_id, headers = keys["acme"]
    campaign_id, creative_ids = seed_campaign(advertiser_id, ["a", "b", "c"])
    decision = _decide(client, headers, campaign_id, segment="mobile")
    assert decision["creative_id"] in creative_ids
    assert 0 < decision["propensity"] <= 1
    assert decision["fields"]["text"][0] in {"a", "b", "c"}
    stats = client.get(f"/v1/campaigns/{campaign_id}/stats", headers=headers).json()
    assert stats["impressions"] == 1
    [segment] = stats["segments"]
    assert segment["segment"] == "mobile"
    assert sum(c["impressions"] for c in segment["creatives"]) == 1


def test_retried_batch_is_counted_once(client, db, keys, seed_campaign):
    advertiser_id, headers = keys["acme"]
    campaign_id, _ = seed_campaign(advertiser_id, ["a", "b"])
    decisions = [_decide(client, headers, campaign_id) for _ in range(20)]
    batch = {"events": [{"event_id": f"e{i}", "decision_id": d["decision_id"], "type": "click"}
                        for i, d in enumerate(decisions[:10])]
             + [{"event_id": "conv1", "decision_id": decisions[0]["decision_id"], "type": "conversion",
                 "value": 12.5}]}
    first = client.post("/v1/events", json=batch, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json() == {"accepted": 11, "duplicates": []}
    again = client.post("/v1/events", json=batch, headers=headers)
    assert again.status_code == 200
    assert again.json()["accepted"] == 0
    assert sorted(again.json()["duplicates"]) == sorted(e["event_id"] for e in batch["events"])
    stats = client.get(f"/v1/campaigns/{campaign_id}/stats", headers=headers).json()
    assert sum(c["clicks"] for c in stats["creatives"]) == 10
    assert sum(c["conversions"] for c in stats["creatives"]) == 1
    assert sum(c["value"] for c in stats["creatives"]) == 12.5
    for row in stats["creatives"]:
        assert row["ctr_low"] <= row["ctr"] <= row["ctr_high"]
    assert abs(sum(c["prob_best"] for c in stats["creatives"]) - 1) < 1e-6


def test_second_click_on_a_decision_is_stored_but_not_a_second_reward(client, db, keys, seed_campaign):
    advertiser_id, headers = keys["acme"]
    campaign_id, _ = seed_campaign(advertiser_id, ["a"])
    d = _decide(client, headers, campaign_id)["decision_id"]
    events = [{"event_id": f"c{i}", "decision_id": d, "type": "click"} for i in range(3)]
    assert client.post("/v1/events", json={"events": events}, headers=headers).json()["accepted"] == 3
    stats = client.get(f"/v1/campaigns/{campaign_id}/stats", headers=headers).json()
    assert stats["creatives"][0]["clicks"] == 1
    assert stats["creatives"][0]["ctr"] == 1.0


def test_unknown_decision_rejects_the_whole_batch(client, db, keys, seed_campaign):
    advertiser_id, headers = keys["acme"]
    campaign_id, _ = seed_campaign(advertiser_id, ["a"])
    good = _decide(client, headers, campaign_id)["decision_id"]
    bogus = uuid.uuid4().hex
    batch = {"events": [{"event_id": "x1", "decision_id": good, "type": "click"},
                        {"event_id": "x2", "decision_id": bogus, "type": "click"}]}
    response = client.post("/v1/events", json=batch, headers=headers)
    assert response.status_code == 404
    assert response.json()["error"] == "unknown_decision"
    assert response.json()["decision_ids"] == [bogus]
    stats = client.get(f"/v1/campaigns/{campaign_id}/stats", headers=headers).json()
    assert stats["clicks"] == 0


def test_bad_input_gets_clear_4xx(client, db, keys, seed_campaign, app_and_client):
    advertiser_id, headers = keys["acme"]
    campaign_id, _ = seed_campaign(advertiser_id, ["a"])
    bad_json = client.post("/v1/events", content=b'{"events": [', headers={**headers,
                           "Content-Type": "application/json"})
    assert bad_json.status_code == 400
    assert bad_json.json()["error"] == "malformed_json"
    wrong_type = client.post("/v1/events", json={"events": [{"event_id": "a", "decision_id": "b",
                                                             "type": "impression"}]}, headers=headers)
    assert wrong_type.status_code == 422 and "type" in wrong_type.json()["message"]
    empty = client.post("/v1/events", json={"events": []}, headers=headers)
    assert empty.status_code == 422
    unknown_campaign = client.post("/v1/campaigns/999999/decide", json={}, headers=headers)
    assert unknown_campaign.status_code == 404 and unknown_campaign.json()["error"] == "not_found"
    limit = app_and_client[0].state.settings.max_batch_events
    d = _decide(client, headers, campaign_id)["decision_id"]
    big = {"events": [{"event_id": f"b{i}", "decision_id": d, "type": "click"} for i in range(limit + 1)]}
    too_many = client.post("/v1/events", json=big, headers=headers)
    assert too_many.status_code == 413 and too_many.json()["error"] == "batch_too_large"
    huge = client.post("/v1/events", content=b"x" * (2 << 20), headers={**headers,
                       "Content-Type": "application/json"})
    assert huge.status_code == 413 and huge.json()["error"] == "too_large"
    bad_context = client.post(f"/v1/campaigns/{campaign_id}/decide", json={"context": "nope"},
                              headers=headers)
    assert bad_context.status_code == 422


def test_paused_creative_leaves_rotation_and_blocked_cannot_resume(client, db, keys, seed_campaign):
    advertiser_id, headers = keys["acme"]
    campaign_id, (a, b) = seed_campaign(advertiser_id, ["a", "b"])
    assert client.post(f"/v1/creatives/{a}/pause", headers=headers).json()["status"] == "paused"
    shown = {_decide(client, headers, campaign_id)["creative_id"] for _ in range(30)}
    assert shown == {b}
    assert client.post(f"/v1/creatives/{a}/resume", headers=headers).json()["status"] == "active"
    shown = {_decide(client, headers, campaign_id)["creative_id"] for _ in range(60)}
    assert shown == {a, b}
    from adcraft.store.models import Creative

    with db.write() as session:
        session.get(Creative, b).status = "blocked"
    conflict = client.post(f"/v1/creatives/{b}/resume", headers=headers)
    assert conflict.status_code == 409 and "blocked" in conflict.json()["message"]


def test_campaign_without_creatives_is_a_409_not_a_500(client, db, keys, seed_campaign):
    advertiser_id, headers = keys["acme"]
    campaign_id, _ = seed_campaign(advertiser_id, [])
    response = client.post(f"/v1/campaigns/{campaign_id}/decide", headers=headers)
    assert response.status_code == 409
    assert "no active creatives" in response.json()["message"]


def test_policy_rebuilt_from_counters_equals_the_incremental_one(client, db, keys, seed_campaign,
                                                                 app_and_client):
    from adcraft.api.runtime import build_policy
    from adcraft.store.models import Campaign

    advertiser_id, headers = keys["acme"]
    campaign_id, arms = seed_campaign(advertiser_id, ["a", "b", "c"])
    decisions = [_decide(client, headers, campaign_id, segment=["m", "d", None][i % 3]) for i in range(90)]
    clicks = [{"event_id": f"k{i}", "decision_id": d["decision_id"], "type": "click"}
              for i, d in enumerate(decisions) if d["creative_id"] == arms[0] or i % 7 == 0]
    assert client.post("/v1/events", json={"events": clicks}, headers=headers).status_code == 200
    live = app_and_client[0].state.runtime.policies[campaign_id].policy
    with db.read() as session:
        rebuilt = build_policy(session, session.get(Campaign, campaign_id)).policy
    for segment in (None, "m", "d"):
        assert live.stats(arms, segment) == rebuilt.stats(arms, segment)
    assert sum(n for n, _ in live.stats(arms).values()) == 90
    assert sum(r for _, r in live.stats(arms).values()) == len(clicks)


def test_contextual_campaign_takes_context_features(client, db, keys, seed_campaign):
    from adcraft.store.models import Campaign

    advertiser_id, headers = keys["acme"]
    campaign_id, arms = seed_campaign(advertiser_id, ["a", "b"], policy="lints")
    with db.write() as session:
        session.get(Campaign, campaign_id).policy_params = {"n_features": 2}
        session.get(Campaign, campaign_id).version += 1
    decision = _decide(client, headers, campaign_id, segment="m", context=[0.5, -1.0])
    assert decision["creative_id"] in arms and 0 < decision["propensity"] <= 1
    wrong = client.post(f"/v1/campaigns/{campaign_id}/decide", json={"context": [1.0]}, headers=headers)
    assert wrong.status_code == 422 and "n_features" in wrong.json()["message"]


def test_paused_campaign_serves_nothing_until_resumed(client, db, keys, seed_campaign):
    advertiser_id, headers = keys["acme"]
    campaign_id, _ = seed_campaign(advertiser_id, ["a"])
    paused = client.patch(f"/v1/campaigns/{campaign_id}", json={"status": "paused"}, headers=headers)
    assert paused.json()["status"] == "paused"
    refused = client.post(f"/v1/campaigns/{campaign_id}/decide", headers=headers)
    assert refused.status_code == 409 and "paused" in refused.json()["message"]
    client.patch(f"/v1/campaigns/{campaign_id}", json={"status": "active"}, headers=headers)
    assert client.post(f"/v1/campaigns/{campaign_id}/decide", headers=headers).status_code == 200


def test_same_api_on_postgresql(postgres_db_url, tmp_path):
    """Review, decisions, idempotent events and stats through the API on PostgreSQL (no group commit)."""
    from fastapi.testclient import TestClient

    from adcraft.api.app import create_app
    from adcraft.api.settings import Settings
    from adcraft.store import create_api_key
    from adcraft.store.models import Campaign, Creative

    app = create_app(Settings(db_url=postgres_db_url, rate_limit_per_s=0, model=str(tmp_path / "none")))
    with TestClient(app) as client:
        with app.state.runtime.db.write() as s:
            advertiser, key = create_api_key(s, "acme")
            campaign = Campaign(advertiser_id=advertiser.id, name="pg",
                                brief={"product": "trail shoes", "language": "en"}, platform="generic",
                                policy="ts", policy_params={}, status="active", version=1)
            s.add(campaign)
            s.flush()
            s.add_all([Creative(campaign_id=campaign.id, fields={"text": [t]}, findings=[], generation={},
                                status_reason="")
                       for t in ("Trail shoes for every run", "Light trail shoes for long runs")])
        headers = {"X-API-Key": key}
        # created without a status, they wait for review: approved in bulk, on PostgreSQL as on SQLite
        assert client.post(f"/v1/campaigns/{campaign.id}/decide", json={}, headers=headers).status_code == 409
        review = client.post(f"/v1/campaigns/{campaign.id}/approve", headers=headers).json()
        assert len(review["approved"]) == 2 and review["skipped"] == []
        decisions = [_decide(client, headers, campaign.id, segment="m", context=[1.0]) for _ in range(10)]
        batch = {"events": [{"event_id": f"p{i}", "decision_id": d["decision_id"], "type": "click"}
                            for i, d in enumerate(decisions[:4])]}
        first = client.post("/v1/events", json=batch, headers=headers).json()
        assert first == {"accepted": 4, "duplicates": []}
        assert client.post("/v1/events", json=batch, headers=headers).json()["accepted"] == 0
        stats = client.get(f"/v1/campaigns/{campaign.id}/stats", headers=headers).json()
        assert (stats["impressions"], stats["clicks"]) == (10, 4)
        assert stats["segments"][0]["segment"] == "m"
