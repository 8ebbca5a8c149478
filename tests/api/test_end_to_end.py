"""End to end on the tiny model: create a campaign, generation job, review, serve decisions, post clicks
for one creative, and watch the bandit move traffic to it; then regenerate from the winner."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from adcraft.api.app import create_app
from adcraft.api.settings import Settings
from adcraft.store import create_api_key


def wait_for_job(client: TestClient, headers: dict, job_id: int, timeout_s: float = 240) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    pytest.fail(f"generation job {job_id} did not finish in {timeout_s} s")


@pytest.mark.timeout(600)
def test_campaign_on_tiny_model_learns_from_clicks(tmp_path: Path, tiny_model_dir: Path):
    settings = Settings(db_url=f"sqlite:///{tmp_path / 'e2e.db'}", model=str(tiny_model_dir),
                        rate_limit_per_s=0, generation_max_new_tokens=24,
                        auto_pause_min_impressions=0)
    app = create_app(settings)
    with TestClient(app) as client:
        with app.state.runtime.db.write() as session:
            _, key = create_api_key(session, "acme")
        headers = {"X-API-Key": key}
        brief = {"product": "trail running shoes", "language": "en", "platform": "generic", "n_variants": 3,
                 "attributes": {"material": "mesh", "use": "trail running"}}
        created = client.post("/v1/campaigns", json={"brief": brief, "name": "shoes"}, headers=headers)
        assert created.status_code == 202, created.text
        campaign_id, job_id = created.json()["campaign"]["id"], created.json()["job"]["id"]
        job = wait_for_job(client, headers, job_id)
        if job["status"] == "failed":  # the random model wrote nothing the gates pass: the job says why
            assert "no usable creative of the 3 requested" in job["error"] and job["dropped_reasons"], job
            for text in ("Trail running shoes", "Trail running shoes in mesh", "Mesh trail running shoes"):
                added = client.post(f"/v1/campaigns/{campaign_id}/creatives",
                                    json={"fields": {"text": [text]}}, headers=headers)
                assert added.status_code == 201, added.text
        else:
            assert job["status"] == "done", job
        creatives = client.get(f"/v1/campaigns/{campaign_id}/creatives", headers=headers).json()
        assert creatives and {c["status"] for c in creatives} == {"pending"}  # nothing serves unreviewed
        assert {c["origin"] for c in creatives} <= {"generated", "manual"}
        review = client.post(f"/v1/campaigns/{campaign_id}/approve", headers=headers).json()
        for c in creatives:  # every stored creative went through the gates: what fails one says why
            failing = any(f["severity"] == "block" for f in c["findings"])
            assert (c["id"] in review["approved"]) == (not failing)
        active = review["approved"]
        assert len(active) >= 2, f"need two active creatives to compare, got {creatives}"
        winner = active[-1]

        def serve(n: int, click_winner: bool) -> list[int]:
            shown, events = [], []
            for i in range(n):
                d = client.post(f"/v1/campaigns/{campaign_id}/decide", json={}, headers=headers).json()
                shown.append(d["creative_id"])
                if click_winner and d["creative_id"] == winner and i % 2 == 0:  # 50% CTR, others 0%
                    events.append({"event_id": f"{d['decision_id']}-c", "decision_id": d["decision_id"],
                                   "type": "click"})
            if events:
                assert client.post("/v1/events", json={"events": events}, headers=headers).status_code == 200
            return shown

        first = serve(60, click_winner=True)
        for _ in range(6):
            serve(40, click_winner=True)
        last = serve(100, click_winner=False)
        share_before = first.count(winner) / len(first)
        share_after = last.count(winner) / len(last)
        assert share_after > 0.6 and share_after > share_before, (share_before, share_after)
        stats = client.get(f"/v1/campaigns/{campaign_id}/stats", headers=headers).json()
        best = max(stats["creatives"], key=lambda r: r["prob_best"] or 0)
        assert best["creative_id"] == winner and best["prob_best"] > 0.9

        regen = client.post(f"/v1/campaigns/{campaign_id}/regenerate", json={"n": 2}, headers=headers)
        assert regen.status_code == 202
        job = wait_for_job(client, headers, regen.json()["id"])
        assert job["status"] in ("done", "failed")
        if job["status"] == "done":
            after = client.get(f"/v1/campaigns/{campaign_id}/creatives", headers=headers).json()
            new = [c for c in after if c["generation"].get("kind") == "regenerate"]
            assert new and all(c["generation"]["seed_texts"] >= 1 for c in new)
            assert all(c["origin"] == "regenerated" and c["status"] == "pending" for c in new)
