"""The review step on the dashboard (TestClient, SQLite and PostgreSQL): pending creatives with their
findings and review forms, approve / edit and approve / reject / approve all / add by hand, each
CSRF-checked and scoped to the advertiser; a blocked edit comes back with the finding and the text."""

from __future__ import annotations

import re

import pytest
from test_pages import csrf_of

CLEAN = "简约白色牛仔外套 百搭休闲春秋上衣女"
CLEAN_2 = "白色牛仔外套女 简约百搭"
BLOCKED = "全网最好的白色牛仔外套"  # zh absolute terms block
BRIEF = {"product": "牛仔外套", "platform": "taobao_title", "language": "zh", "n_variants": 3,
         "attributes": [["颜色", "白色"], ["风格", "简约"]]}


def seed_review(web, texts: list[str], origins: list[str] | None = None, auto_approve: bool = False,
                ) -> tuple[int, list[int]]:
    """A campaign of the signed-in advertiser whose creatives come from the review step's own gate."""
    from adcraft.api import review, services
    from adcraft.core import Brief

    db = web.client.app.state.runtime.db
    with db.write() as session:
        advertiser = services.authenticate(session, web.key)
        campaign, job = services.create_campaign(session, advertiser.id, BRIEF, auto_approve=auto_approve)
        job.status = "done"
        rows = [review.new_creative({"title": [t]}, Brief.model_validate(BRIEF), origin=origin,
                                    auto_approve=auto_approve)
                for t, origin in zip(texts, origins or ["generated"] * len(texts), strict=True)]
        for row in rows:
            row.campaign_id = campaign.id
        session.add_all(rows)
        session.flush()
        return campaign.id, [r.id for r in rows]


def _status(web, creative_id: int) -> str:
    from adcraft.store.models import Creative

    with web.client.app.state.runtime.db.read() as session:
        return session.get(Creative, creative_id).status


def test_pending_creatives_show_findings_origin_and_review_forms(web, login) -> None:
    campaign_id, (clean, blocked, regen) = seed_review(web, [CLEAN, BLOCKED, CLEAN_2],
                                                       ["generated", "generated", "regenerated"])
    login(web.client, web.key)
    html = web.client.get(f"/campaigns/{campaign_id}").text
    assert "Review: 3 creatives waiting" in html and "Approve all that pass every gate" in html
    assert "wait for review before they are served" in html
    assert html.count('<span class="badge pending">pending review</span>') == 3
    assert re.search(rf'id="creative-{regen}-h">Creative #{regen} <span class="badge pending">pending review'
                     r'</span>\s*<span class="tag"[^>]*>regenerated</span>', html)
    for creative in (clean, blocked, regen):
        assert f'action="/campaigns/{campaign_id}/creatives/{creative}/reject"' in html
        assert f'action="/campaigns/{campaign_id}/creatives/{creative}/edit"' in html
    assert f'action="/campaigns/{campaign_id}/creatives/{clean}/approve"' in html
    assert f'action="/campaigns/{campaign_id}/creatives/{blocked}/approve"' not in html  # edit it instead
    card = html[html.index(f'id="creative-{blocked}"'):html.index(f'id="creative-{regen}"')]
    assert "A gate blocks this text" in card and "全网最" in card and "fails a gate" in card
    assert f'<textarea id="edit-{blocked}-title" name="f.title" lang="zh"' in card and BLOCKED in card
    assert 'id="add-creative"' in html


def test_approve_needs_the_form_token_and_then_serves_the_creative(web, login) -> None:
    campaign_id, (clean, other) = seed_review(web, [CLEAN, CLEAN_2])
    login(web.client, web.key)
    url = f"/campaigns/{campaign_id}/creatives/{clean}/approve"
    assert web.client.post(url, data={}).status_code == 403
    assert web.client.post(url, data={"csrf_token": "0" * 64}).status_code == 403
    assert _status(web, clean) == "pending"
    csrf = csrf_of(web.client.get(f"/campaigns/{campaign_id}").text)
    page = web.client.post(url, data={"csrf_token": csrf})
    assert page.status_code == 200 and f"Creative #{clean} approved" in page.text
    assert "Review: 1 creative waiting" in page.text
    from adcraft.api import services

    runtime = web.client.app.state.runtime
    with runtime.db.read() as session:
        advertiser = services.authenticate(session, web.key).id
    assert {runtime.decide(advertiser, campaign_id).creative_id for _ in range(20)} == {clean}
    assert _status(web, other) == "pending"


def test_a_blocked_edit_shows_the_finding_and_keeps_the_text(web, login) -> None:
    campaign_id, (blocked,) = seed_review(web, [BLOCKED])
    login(web.client, web.key)
    csrf = csrf_of(web.client.get(f"/campaigns/{campaign_id}").text)
    url = f"/campaigns/{campaign_id}/creatives/{blocked}/edit"

    assert web.client.post(url, data={"f.title": CLEAN}).status_code == 403  # no token, no edit
    still = web.client.post(url, data={"csrf_token": csrf, "f.title": "最好的白色牛仔外套 简约"})
    assert still.status_code == 422
    error = re.search(rf'id="creative-{blocked}-error">(.*?)</div>', still.text, re.S).group(1)
    assert "fails a gate" in error and "zh.absolute.best" in error and "最好" in error
    assert re.search(rf'<textarea id="edit-{blocked}-title"[^>]*aria-invalid="true"[^>]*>'
                     r'最好的白色牛仔外套 简约</textarea>', still.text)
    empty = web.client.post(url, data={"csrf_token": csrf, "f.title": "   "})
    assert empty.status_code == 422 and "empty text" in empty.text
    assert _status(web, blocked) == "pending"

    done = web.client.post(url, data={"csrf_token": csrf, "f.title": CLEAN_2})
    assert done.status_code == 200 and f"Creative #{blocked} edited and approved" in done.text
    assert re.search(rf'Creative #{blocked} <span class="badge active">active</span>\s*'
                     r'<span class="tag"[^>]*>generated</span> <span class="tag"[^>]*>edited</span>',
                     done.text)
    assert CLEAN_2 in done.text and _status(web, blocked) == "active"


def test_reject_and_actions_the_state_or_owner_forbids(web, login) -> None:
    campaign_id, (a, b) = seed_review(web, [CLEAN, CLEAN_2])
    login(web.client, web.key)
    csrf = csrf_of(web.client.get(f"/campaigns/{campaign_id}").text)
    base = f"/campaigns/{campaign_id}/creatives"
    rejected = web.client.post(f"{base}/{a}/reject", data={"csrf_token": csrf, "reason": "off brand"})
    assert rejected.status_code == 200 and f"Creative #{a} rejected" in rejected.text
    assert "rejected in review: off brand" in rejected.text and _status(web, a) == "rejected"
    again = web.client.post(f"{base}/{a}/approve", data={"csrf_token": csrf})
    assert again.status_code == 409 and "rejected" in again.text and "Traceback" not in again.text
    edit_rejected = web.client.post(f"{base}/{a}/edit", data={"csrf_token": csrf, "f.title": CLEAN})
    assert edit_rejected.status_code == 409
    # another advertiser's creative, a creative under another campaign's URL, a bad id: the 404 page
    foreign = f"/campaigns/{web.other_campaign_id}/creatives"
    with web.client.app.state.runtime.db.read() as session:
        from sqlalchemy import select

        from adcraft.store.models import Creative

        query = select(Creative.id).where(Creative.campaign_id == web.other_campaign_id)
        other_creative = session.scalar(query)
    for url in (f"{foreign}/{other_creative}/approve", f"{base}/{other_creative}/reject",
                f"/campaigns/{web.campaign_id}/creatives/{b}/approve", f"{base}/999999/approve",
                f"{base}/abc/approve", f"/campaigns/{web.other_campaign_id}/review/approve-all",
                f"/campaigns/{web.other_campaign_id}/creatives/add"):
        response = web.client.post(url, data={"csrf_token": csrf, "f.title": CLEAN})
        assert response.status_code == 404, url
        assert "Page not found" in response.text
    assert _status(web, b) == "pending" and _status(web, other_creative) == "active"


def test_approve_all_and_add_by_hand(web, login) -> None:
    campaign_id, (clean, blocked) = seed_review(web, [CLEAN, BLOCKED])
    login(web.client, web.key)
    csrf = csrf_of(web.client.get(f"/campaigns/{campaign_id}").text)
    assert web.client.post(f"/campaigns/{campaign_id}/review/approve-all", data={}).status_code == 403
    bulk = web.client.post(f"/campaigns/{campaign_id}/review/approve-all", data={"csrf_token": csrf})
    assert bulk.status_code == 200 and "Approved 1 creative." in bulk.text
    assert f"Still waiting (a gate blocks them; edit or reject): #{blocked}" in bulk.text
    assert (_status(web, clean), _status(web, blocked)) == ("active", "pending")

    add = f"/campaigns/{campaign_id}/creatives/add"
    too_long = "白色牛仔外套" * 8
    refused = web.client.post(add, data={"csrf_token": csrf, "f.title": ""})
    assert refused.status_code == 422 and 'id="add-creative" open>' in refused.text
    assert "empty text" in re.search(r'id="add-creative-error">(.*?)</div>', refused.text, re.S).group(1)
    added = web.client.post(add, data={"csrf_token": csrf, "f.title": too_long})
    assert added.status_code == 200 and "added, waiting for review" in added.text
    new_id = int(re.search(r"Creative #(\d+) added", added.text).group(1))
    card = added.text[added.text.index(f'id="creative-{new_id}"'):]
    card = card[:card.index("</article>")]
    assert re.search(r'<span class="badge pending">pending review</span>\s*<span class="tag"[^>]*>manual'
                     r'</span>', card)
    assert "format.max_length" in card and "A gate blocks this text" in card  # 96 width units of 60


def test_new_campaign_form_can_turn_on_auto_approve(web, login, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import select

    from adcraft.store.models import Campaign

    runtime = web.client.app.state.runtime
    monkeypatch.setattr(runtime.generation, "submit", lambda job_id: None)  # no model in these tests
    login(web.client, web.key)
    form_page = web.client.get("/campaigns/new").text
    assert 'name="auto_approve" value="1"' in form_page
    form = {"csrf_token": csrf_of(form_page), "product": "保温杯", "platform": "taobao_title",
            "language": "zh", "n_variants": "2", "auto_approve": "1"}
    created = web.client.post("/campaigns/new", data=form)
    assert created.status_code == 200 and "served at once (auto-approve)" in created.text
    without = web.client.post("/campaigns/new", data={**form, "auto_approve": ""})
    assert "wait for review before they are served" in without.text
    with runtime.db.read() as session:
        flags = list(session.scalars(select(Campaign.auto_approve).where(Campaign.name == "保温杯")
                                     .order_by(Campaign.id)))
    assert flags == [True, False]
