"""The review step through the JSON API: new creatives wait for review and are never served until
approved; approve, edit-and-approve (re-checked), reject, bulk approve, manual add, auto-approve;
regenerated creatives are marked; a job that yields nothing fails with the reasons."""

from __future__ import annotations

import pytest
from test_end_to_end import wait_for_job

from adcraft.core import Creative
from adcraft.generate.pipeline import GenerationResult

CLEAN = ["Trail running shoes for every trail",
         "Meet our trail running shoes", "Trail running shoes for your next run"]
BLOCKED = "The best trail running shoes ever"  # en.absolute.best blocks
BRIEF = {"product": "trail running shoes", "language": "en", "platform": "generic", "n_variants": 3}


def _creative(text: str) -> Creative:
    return Creative(platform="generic", language="en", fields={"text": [text]}, model_id="fake")


@pytest.fixture()
def fake_generation(monkeypatch, app_and_client):
    """fake_generation(texts, dropped=[reasons]): what every generation job of the test yields."""
    runner = app_and_client[0].state.runtime.generation
    outcome: dict = {"texts": [], "dropped": []}
    monkeypatch.setattr(runner, "generator", lambda model: object())

    def generate(brief, generator, config=None, seed_texts=None):  # noqa: ANN001, ANN202
        outcome["seed_texts"] = seed_texts
        return GenerationResult(creatives=[_creative(t) for t in outcome["texts"]],
                                dropped=[(_creative("x"), r) for r in outcome["dropped"]])

    monkeypatch.setattr("adcraft.generate.generate_creatives", generate)

    def configure(texts: list[str], dropped: list[str] | None = None) -> dict:
        outcome.update(texts=list(texts), dropped=list(dropped or []))
        return outcome

    return configure


def _wait(client, headers, job_id: int) -> dict:
    return wait_for_job(client, headers, job_id, timeout_s=30)


def _create(client, headers, **extra) -> tuple[int, dict]:
    created = client.post("/v1/campaigns", json={"brief": BRIEF, **extra}, headers=headers)
    assert created.status_code == 202, created.text
    return created.json()["campaign"]["id"], _wait(client, headers, created.json()["job"]["id"])


def _creatives(client, headers, campaign_id: int, **params) -> list[dict]:
    response = client.get(f"/v1/campaigns/{campaign_id}/creatives", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_generated_creatives_wait_for_review_and_only_approved_ones_serve(client, keys, fake_generation):
    _, headers = keys["acme"]
    fake_generation(CLEAN)
    campaign_id, job = _create(client, headers)
    assert job["status"] == "done" and job["n_produced"] == 3 and job["n_pending"] == 3
    assert job["n_active"] == 0 and job["shortfall"] is None
    creatives = _creatives(client, headers, campaign_id)
    assert [c["status"] for c in creatives] == ["pending"] * 3
    assert {c["origin"] for c in creatives} == {"generated"} and not any(c["edited"] for c in creatives)
    assert all(c["findings"] == [] and c["reviewed_at"] is None for c in creatives)

    refused = client.post(f"/v1/campaigns/{campaign_id}/decide", json={}, headers=headers)
    assert refused.status_code == 409 and "approve" in refused.json()["message"]

    first = creatives[0]["id"]
    approved = client.post(f"/v1/creatives/{first}/approve", headers=headers)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "active" and approved.json()["reviewed_at"]
    decide = f"/v1/campaigns/{campaign_id}/decide"
    shown = {client.post(decide, json={}, headers=headers).json()["creative_id"] for _ in range(30)}
    assert shown == {first}  # the two pending ones are never served
    assert len(_creatives(client, headers, campaign_id, status="pending")) == 2
    stats = client.get(f"/v1/campaigns/{campaign_id}/stats", headers=headers).json()
    assert [r["prob_best"] is not None for r in stats["creatives"]] == [True, False, False]
    again = client.post(f"/v1/creatives/{first}/approve", headers=headers)  # a retry changes nothing
    assert again.status_code == 200 and again.json()["status"] == "active"


def test_auto_approve_serves_only_what_passes_every_gate(client, keys, fake_generation):
    _, headers = keys["acme"]
    fake_generation([CLEAN[0], BLOCKED])
    campaign_id, job = _create(client, headers, auto_approve=True)
    assert (job["n_active"], job["n_pending"], job["n_blocked"]) == (1, 1, 1)
    campaign = client.get(f"/v1/campaigns/{campaign_id}", headers=headers).json()
    assert campaign["auto_approve"] is True
    by_text = {c["fields"]["text"][0]: c for c in campaign["creatives"]}
    assert by_text[CLEAN[0]]["status"] == "active" and "auto-approved" in by_text[CLEAN[0]]["status_reason"]
    blocked = by_text[BLOCKED]
    assert blocked["status"] == "pending" and "en.absolute.best" in blocked["status_reason"]
    assert [f["rule_id"] for f in blocked["findings"]] == ["en.absolute.best"]
    decided = client.post(f"/v1/campaigns/{campaign_id}/decide", json={}, headers=headers).json()
    assert decided["creative_id"] == by_text[CLEAN[0]]["id"]
    off = client.patch(f"/v1/campaigns/{campaign_id}", json={"auto_approve": False}, headers=headers)
    assert off.status_code == 200 and off.json()["auto_approve"] is False and off.json()["status"] == "active"


def test_edit_and_approve_rechecks_the_edited_text(client, keys, fake_generation):
    _, headers = keys["acme"]
    fake_generation([BLOCKED])
    campaign_id, _ = _create(client, headers)
    [creative] = _creatives(client, headers, campaign_id)
    url = f"/v1/creatives/{creative['id']}/approve"

    as_written = client.post(url, headers=headers)
    assert as_written.status_code == 409 and "en.absolute.best" in as_written.json()["message"]
    still_bad = client.post(url, json={"fields": {"text": ["The best shoes for trails"]}}, headers=headers)
    assert still_bad.status_code == 422 and still_bad.json()["error"] == "fails_gate"
    assert "en.absolute.best" in still_bad.json()["message"] and "best" in still_bad.json()["message"]
    assert [f["matched"] for f in still_bad.json()["findings"]] == ["best"]
    too_long = client.post(url, json={"fields": {"text": ["Trail running shoes " * 30]}}, headers=headers)
    assert too_long.status_code == 422 and "format.max_length" in too_long.json()["message"]
    for fields, words in (({"text": ["   "]}, "empty"), ({"text": []}, "empty"),
                          ({"headline": ["Trail running shoes"]}, "not a field"), ({}, "no text")):
        bad = client.post(url, json={"fields": fields}, headers=headers)
        assert bad.status_code == 422 and words in bad.json()["message"], (fields, bad.text)
    assert _creatives(client, headers, campaign_id)[0]["status"] == "pending"  # nothing changed

    edited = client.post(url, json={"fields": {"text": ["  Trail running shoes, light on the trail "]}},
                         headers=headers)
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert body["status"] == "active" and body["edited"] is True
    assert body["fields"] == {"text": ["Trail running shoes, light on the trail"]}
    assert body["original_fields"] == {"text": [BLOCKED]} and body["findings"] == []
    assert body["status_reason"] == "approved after an edit"
    decided = client.post(f"/v1/campaigns/{campaign_id}/decide", json={}, headers=headers).json()
    assert decided["fields"] == {"text": ["Trail running shoes, light on the trail"]}
    live_edit = client.post(url, json={"fields": {"text": ["Trail running shoes"]}}, headers=headers)
    assert live_edit.status_code == 409 and "already approved" in live_edit.json()["message"]


def test_reject_and_invalid_review_actions_are_clear_4xx(client, keys, fake_generation, seed_campaign):
    acme_id, headers = keys["acme"]
    _, other_headers = keys["globex"]
    fake_generation(CLEAN[:2])
    campaign_id, _ = _create(client, headers)
    a, b = (c["id"] for c in _creatives(client, headers, campaign_id))

    rejected = client.post(f"/v1/creatives/{a}/reject", json={"reason": "off brand"}, headers=headers)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert rejected.json()["status_reason"] == "rejected in review: off brand"
    assert client.post(f"/v1/creatives/{a}/reject", headers=headers).json()["status"] == "rejected"
    cases = [
        (f"/v1/creatives/{a}/approve", None, 409, "rejected"),
        (f"/v1/creatives/{a}/resume", None, 409, "rejected"),
        (f"/v1/creatives/{b}/pause", None, 409, "pending review"),
        (f"/v1/creatives/{b}/resume", None, 409, "pending review"),
        ("/v1/creatives/999999/approve", None, 404, "not found"),
        ("/v1/creatives/999999/reject", None, 404, "not found"),
        ("/v1/creatives/abc/approve", None, 422, ""),
        (f"/v1/creatives/{b}/reject", {"reason": "x" * 501}, 422, "reason"),
        (f"/v1/creatives/{b}/approve", {"fields": {"text": "not a list"}}, 422, "fields"),
        (f"/v1/creatives/{b}/approve", {"status": "active"}, 422, "status"),
    ]
    for url, body, status, words in cases:
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == status, (url, response.text)
        assert words in response.json()["message"], (url, response.text)
    # another advertiser's creative: 404 on every review action, and it stays pending
    for action in ("approve", "reject"):
        foreign = client.post(f"/v1/creatives/{b}/{action}", headers=other_headers)
        assert foreign.status_code == 404 and foreign.json()["error"] == "not_found"
    foreign_add = client.post(f"/v1/campaigns/{campaign_id}/creatives", json={"fields": {"text": ["hi"]}},
                              headers=other_headers)
    assert foreign_add.status_code == 404
    foreign_bulk = client.post(f"/v1/campaigns/{campaign_id}/approve", json={}, headers=other_headers)
    assert foreign_bulk.status_code == 404
    assert _creatives(client, headers, campaign_id)[1]["status"] == "pending"
    # a blocked creative from before the review step can be approved after an edit, or rejected
    seeded_id, (legacy,) = seed_campaign(acme_id, ["old copy"])
    with client.app.state.runtime.db.write() as session:
        from adcraft.store.models import Creative as Row

        session.get(Row, legacy).status = "blocked"
    assert client.post(f"/v1/creatives/{legacy}/reject", headers=headers).json()["status"] == "rejected"


def test_bulk_approve_takes_what_passes_and_reports_the_rest(client, keys, fake_generation):
    _, headers = keys["acme"]
    fake_generation([CLEAN[0], BLOCKED, CLEAN[1]])
    campaign_id, _ = _create(client, headers)
    ids = {c["fields"]["text"][0]: c["id"] for c in _creatives(client, headers, campaign_id)}
    foreign = client.post(f"/v1/campaigns/{campaign_id}/approve",
                          json={"creative_ids": [ids[CLEAN[0]], 999999]}, headers=headers)
    assert foreign.status_code == 404
    assert {c["status"] for c in _creatives(client, headers, campaign_id)} == {"pending"}  # all or nothing

    result = client.post(f"/v1/campaigns/{campaign_id}/approve", headers=headers)
    assert result.status_code == 200, result.text
    body = result.json()
    assert sorted(body["approved"]) == sorted([ids[CLEAN[0]], ids[CLEAN[1]]])
    [skipped] = body["skipped"]
    assert skipped["id"] == ids[BLOCKED] and "en.absolute.best" in skipped["reason"]
    again = client.post(f"/v1/campaigns/{campaign_id}/approve", json={"creative_ids": [ids[CLEAN[0]]]},
                        headers=headers).json()
    assert again == {"approved": [], "skipped": [{"id": ids[CLEAN[0]], "status": "active",
                                                  "reason": "already active"}]}


def test_manual_creatives_are_checked_and_wait_unless_auto_approved(client, keys, fake_generation):
    _, headers = keys["acme"]
    fake_generation([CLEAN[0]])
    campaign_id, _ = _create(client, headers)
    url = f"/v1/campaigns/{campaign_id}/creatives"
    added = client.post(url, json={"fields": {"text": [" Trail running shoes, made for you "]}},
                        headers=headers)
    assert added.status_code == 201, added.text
    body = added.json()
    assert body["origin"] == "manual" and body["status"] == "pending"
    assert body["fields"] == {"text": ["Trail running shoes, made for you"]}
    flagged = client.post(url, json={"fields": {"text": [BLOCKED]}}, headers=headers).json()
    assert flagged["status"] == "pending" and flagged["findings"][0]["rule_id"] == "en.absolute.best"
    for fields in ({"text": [""]}, {"title": ["x"]}, {"text": ["a", "b"]}):
        bad = client.post(url, json={"fields": fields}, headers=headers)
        assert bad.status_code == 422, (fields, bad.text)
    assert client.post("/v1/campaigns/999999/creatives", json={"fields": {"text": ["x"]}},
                       headers=headers).status_code == 404

    client.patch(f"/v1/campaigns/{campaign_id}", json={"auto_approve": True}, headers=headers)
    live = client.post(url, json={"fields": {"text": ["Trail running shoes for the hills"]}}, headers=headers)
    assert live.json()["status"] == "active" and live.json()["origin"] == "manual"
    still_pending = client.post(url, json={"fields": {"text": [BLOCKED]}}, headers=headers)
    assert still_pending.json()["status"] == "pending"
    decided = client.post(f"/v1/campaigns/{campaign_id}/decide", json={}, headers=headers).json()
    assert decided["creative_id"] == live.json()["id"]


def test_regenerated_creatives_are_marked_and_seeded_only_from_approved_copy(client, keys, fake_generation):
    _, headers = keys["acme"]
    outcome = fake_generation(CLEAN[:2])
    campaign_id, _ = _create(client, headers)
    first, second = _creatives(client, headers, campaign_id)
    client.post(f"/v1/creatives/{first['id']}/approve", headers=headers)
    client.post(f"/v1/creatives/{second['id']}/reject", headers=headers)
    fake_generation([CLEAN[2]])
    regen = client.post(f"/v1/campaigns/{campaign_id}/regenerate", json={"n": 1}, headers=headers)
    assert regen.status_code == 202
    job = _wait(client, headers, regen.json()["id"])
    assert job["status"] == "done" and job["kind"] == "regenerate"
    assert outcome["seed_texts"] == [CLEAN[0]]  # never the rejected or pending copy
    new = _creatives(client, headers, campaign_id)[-1]
    assert new["origin"] == "regenerated" and new["status"] == "pending"
    assert new["generation"]["kind"] == "regenerate"


def test_a_job_without_usable_creatives_fails_with_the_reasons(client, keys, fake_generation):
    _, headers = keys["acme"]
    dropped = ["near-duplicate of variant 1 (3-gram Jaccard 0.71 >= 0.6)",
               "near-duplicate of variant 2 (3-gram Jaccard 0.65 >= 0.6)",
               "blocked by compliance: text: unsupported claim ('50-year warranty')"]
    fake_generation([], dropped)
    campaign_id, job = _create(client, headers)
    assert job["status"] == "failed" and job["n_produced"] == 0 and job["n_dropped"] == 3
    assert "no usable creative of the 3 requested" in job["error"]
    assert "near-duplicate of variant (2)" in job["error"] and "blocked by compliance (1)" in job["error"]
    assert job["dropped_reasons"][0] == {"reason": "near-duplicate of variant", "count": 2,
                                         "example": dropped[0]}
    listed = client.get(f"/v1/campaigns/{campaign_id}/jobs", headers=headers).json()
    assert listed[0]["error"] == job["error"]

    fake_generation([], ["title: does not name the product ('牛仔外套') (x)",
                         "text: does not name the product"])
    _, per_field = _create(client, headers)
    assert per_field["dropped_reasons"][0]["reason"] == "does not name the product"
    assert per_field["dropped_reasons"][0]["count"] == 2

    fake_generation([], [])
    _, silent = _create(client, headers)
    assert silent["status"] == "failed" and "returned no candidate" in silent["error"]


def test_a_job_yielding_fewer_than_requested_says_so(client, keys, fake_generation):
    _, headers = keys["acme"]
    fake_generation([CLEAN[0]], ["holds a training-data placeholder ('<UNK>'), not ad copy"] * 4)
    _, job = _create(client, headers)
    assert job["status"] == "done" and (job["n_requested"], job["n_produced"]) == (3, 1)
    assert job["error"] is None
    assert job["shortfall"] == ("1 of 3 requested creatives produced: 4 candidates dropped "
                                "(holds a training-data placeholder (4))")
