"""Stats, the A/B report, auto-pause and the dashboard's time series, from known counts."""

from __future__ import annotations

from dataclasses import replace

from adcraft.api import services
from adcraft.store.models import CreativeCounter


def _set_counts(db, campaign_id: int, counts: dict[int, tuple[int, int]], segment: str = "") -> None:
    with db.write() as session:
        for creative_id, (n, k) in counts.items():
            session.merge(CreativeCounter(creative_id=creative_id, segment=segment, campaign_id=campaign_id,
                                          impressions=n, clicks=k, conversions=0, value=0.0))


def test_stats_and_ab_report_from_known_counts(client, db, keys, seed_campaign):
    advertiser_id, headers = keys["acme"]
    campaign_id, (a, b) = seed_campaign(advertiser_id, ["a", "b"])
    _set_counts(db, campaign_id, {a: (5000, 100), b: (5000, 160)})
    stats = client.get(f"/v1/campaigns/{campaign_id}/stats", headers=headers).json()
    rows = {r["creative_id"]: r for r in stats["creatives"]}
    assert rows[a]["ctr"] == 0.02 and rows[b]["ctr"] == 0.032
    assert rows[a]["ctr_low"] < 0.02 < rows[a]["ctr_high"] < rows[b]["ctr_high"]
    assert rows[b]["prob_best"] > 0.99
    report = client.get(f"/v1/campaigns/{campaign_id}/ab", params={"a": a, "b": b, "mde": 0.005},
                        headers=headers)
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["a"] == {"creative_id": a, "impressions": 5000, "clicks": 100}
    assert body["report"]["decision"] == "B wins"
    same = client.get(f"/v1/campaigns/{campaign_id}/ab", params={"a": a, "b": a}, headers=headers)
    assert same.status_code == 422


def test_auto_pause_pauses_clear_losers_but_never_the_best(client, db, keys, seed_campaign, app_and_client):
    runtime = app_and_client[0].state.runtime
    runtime.settings = replace(runtime.settings, auto_pause_min_impressions=1000, auto_pause_threshold=0.01)
    advertiser_id, headers = keys["acme"]
    campaign_id, (good, bad, young) = seed_campaign(advertiser_id, ["good", "bad", "young"])
    # "bad" is clearly worse after enough impressions; "young" is as bad but has too few to judge
    _set_counts(db, campaign_id, {good: (4000, 200), bad: (4000, 40), young: (500, 5)})
    response = client.post(f"/v1/campaigns/{campaign_id}/auto-pause", headers=headers)
    assert response.json() == {"paused": [bad]}
    listed = client.get(f"/v1/campaigns/{campaign_id}/creatives", headers=headers).json()
    creatives = {c["id"]: c for c in listed}
    assert creatives[bad]["status"] == "paused" and "auto-paused" in creatives[bad]["status_reason"]
    assert creatives[good]["status"] == "active" and creatives[young]["status"] == "active"
    shown = {client.post(f"/v1/campaigns/{campaign_id}/decide", headers=headers).json()["creative_id"]
             for _ in range(40)}
    assert bad not in shown
    # two equal creatives: neither is a clear loser, nothing is paused
    campaign2, (x, y) = seed_campaign(advertiser_id, ["x", "y"])
    _set_counts(db, campaign2, {x: (5000, 100), y: (5000, 100)})
    assert client.post(f"/v1/campaigns/{campaign2}/auto-pause", headers=headers).json() == {"paused": []}


def test_auto_pause_runs_on_its_own_as_clicks_arrive(client, db, keys, seed_campaign, app_and_client):
    runtime = app_and_client[0].state.runtime
    runtime.settings = replace(runtime.settings, auto_pause_min_impressions=50, auto_pause_interval_s=0)
    advertiser_id, headers = keys["acme"]
    campaign_id, (good, bad) = seed_campaign(advertiser_id, ["good", "bad"])
    _set_counts(db, campaign_id, {good: (3000, 300), bad: (3000, 3)})
    d = client.post(f"/v1/campaigns/{campaign_id}/decide", headers=headers).json()
    client.post("/v1/events", json={"events": [{"event_id": "x", "decision_id": d["decision_id"],
                                                "type": "click"}]}, headers=headers)
    runtime._maintenance.submit(lambda: None).result(timeout=30)  # wait for the queued auto-pause
    statuses = {c["id"]: c["status"] for c in
                client.get(f"/v1/campaigns/{campaign_id}/creatives", headers=headers).json()}
    assert statuses == {good: "active", bad: "paused"}


def test_timeseries_buckets_impressions_and_clicks(client, db, keys, seed_campaign):
    advertiser_id, headers = keys["acme"]
    campaign_id, (a,) = seed_campaign(advertiser_id, ["a"])
    decisions = [client.post(f"/v1/campaigns/{campaign_id}/decide", headers=headers).json() for _ in range(5)]
    events = [{"event_id": f"t{i}", "decision_id": d["decision_id"], "type": "click"}
              for i, d in enumerate(decisions[:2])]
    client.post("/v1/events", json={"events": events}, headers=headers)
    with db.read() as session:
        series = services.timeseries(session, advertiser_id, campaign_id, bucket_seconds=3600)
    totals = {"impressions": 0, "clicks": 0}
    for bucket in series["buckets"]:
        assert bucket["start"] % 3600 == 0
        for key in totals:
            totals[key] += bucket["creatives"][str(a)][key]
    assert totals == {"impressions": 5, "clicks": 2}
