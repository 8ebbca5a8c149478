"""Dashboard pages through FastAPI's TestClient (no browser): auth, previews, forms, errors, stats, runs."""

from __future__ import annotations

import json
import re
import time

import pytest


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([0-9a-f]+)"', html).group(1)


def test_pages_need_sign_in_and_keep_the_target(web, login) -> None:
    response = web.client.get(f"/campaigns/{web.campaign_id}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/signin?next=/campaigns/{web.campaign_id}"


def test_sign_in_sets_a_hardened_cookie_and_rejects_bad_keys(web, login) -> None:
    bad = web.client.post("/signin", data={"api_key": "adk_nope_" + "x" * 30, "next": "/campaigns"})
    assert bad.status_code == 401 and "not valid" in bad.text and 'aria-invalid="true"' in bad.text
    good = web.client.post("/signin", data={"api_key": web.key, "next": "//evil.example/x"},
                           follow_redirects=False)
    assert good.status_code == 303 and good.headers["location"] == "/campaigns"  # no open redirect
    cookie = good.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=" in cookie
    assert "Acme 服饰" in web.client.get("/campaigns").text


def test_sign_out_needs_the_form_token_and_ends_the_session(web, login) -> None:
    login(web.client, web.key)
    assert web.client.post("/signout", data={}).status_code == 403
    html = web.client.get("/campaigns").text
    out = web.client.post("/signout", data={"csrf_token": csrf_of(html)}, follow_redirects=False)
    assert out.status_code == 303
    assert web.client.get("/campaigns", follow_redirects=False).status_code == 303


def test_expired_session_goes_back_to_sign_in(web, login, monkeypatch) -> None:
    login(web.client, web.key)
    monkeypatch.setenv("ADCRAFT_SESSION_MAX_AGE", "1")
    time.sleep(2.1)
    response = web.client.get("/campaigns", follow_redirects=False)
    assert response.status_code == 303 and "expired=1" in response.headers["location"]
    assert "session expired" in web.client.get(response.headers["location"]).text


def test_campaign_page_draws_previews_with_lengths_against_limits(web, login) -> None:
    login(web.client, web.key)
    html = web.client.get(f"/campaigns/{web.campaign_id}").text
    assert 'class="preview product"' in html and "简约白色牛仔外套 百搭休闲春秋上衣女" in html
    assert "35 / 60" in html  # 17 CJK characters x 2 + 1 space, Taobao's width count
    assert re.search(r'class="num over">\d+ / 60 \(too long\)', html)  # the second title is too long
    assert 'lang="zh"' in html


def test_another_advertisers_campaign_and_bad_ids_are_html_404s(web, login) -> None:
    login(web.client, web.key)
    for url in (f"/campaigns/{web.other_campaign_id}", f"/campaigns/{web.other_campaign_id}/performance",
                "/campaigns/999999", "/campaigns/not-a-number", "/runs/x/files/../../web.db"):
        response = web.client.get(url, headers={"Accept": "text/html"})
        assert response.status_code == 404, url
        assert "Page not found" in response.text and "Traceback" not in response.text
        assert response.headers["content-type"].startswith("text/html")
    assert "别家的标题" not in web.client.get(f"/campaigns/{web.other_campaign_id}").text


def test_pause_needs_csrf_then_pauses_and_resumes(web, login) -> None:
    login(web.client, web.key)
    creative = web.creative_ids[0]
    url = f"/campaigns/{web.campaign_id}/creatives/{creative}/pause"
    assert web.client.post(url, data={"csrf_token": "0" * 64}).status_code == 403
    html = web.client.get(f"/campaigns/{web.campaign_id}").text
    page = web.client.post(url, data={"csrf_token": csrf_of(html)})
    assert page.status_code == 200 and f"Creative #{creative} paused" in page.text
    assert re.search(rf'id="creative-{creative}"[^>]*>\s*<div[^>]*>\s*<h3[^>]*>Creative #{creative} '
                     r'<span class="badge paused">', page.text)
    other = f"/campaigns/{web.campaign_id}/creatives/999999/resume"
    assert web.client.post(other, data={"csrf_token": csrf_of(page.text)}).status_code == 404


def test_bad_brief_shows_field_errors_and_keeps_the_values(web, login) -> None:
    login(web.client, web.key)
    csrf = csrf_of(web.client.get("/campaigns/new").text)
    form = {"csrf_token": csrf, "product": "  ", "attributes": "材质#牛仔布\n颜色",
            "platform": "taobao_title", "language": "en", "n_variants": "0", "audience": "年轻女性",
            "tone": "活泼"}
    response = web.client.post("/campaigns/new", data=form)
    assert response.status_code == 422
    html = response.text
    for name in ("product", "attributes", "n_variants", "language"):
        assert f'id="f-{name}-error"' in html, name
    assert 'value="年轻女性"' in html and 'value="活泼"' in html and "材质#牛仔布\n颜色</textarea>" in html
    assert re.search(r'<option value="taobao_title" selected>', html)


def test_performance_shows_counts_intervals_charts_and_ab_report(web, login) -> None:
    from adcraft.store.ingest import EventIn

    runtime = web.client.app.state.runtime
    decisions = [runtime.decide(1, web.campaign_id, segment="mobile") for _ in range(30)]
    runtime.ingest(1, [EventIn(f"e{i}", d.decision_id, "click") for i, d in enumerate(decisions[:6])])
    login(web.client, web.key)
    html = web.client.get(f"/campaigns/{web.campaign_id}/performance").text
    assert re.search(r'id="total-impressions"[^>]*>30<', html)
    assert re.search(r'id="total-clicks"[^>]*>6<', html)
    assert "95% interval" in html and "P(best)" in html and "Segment “mobile”" in html
    assert html.count("<svg") == 2 and "<polyline" in html and "<rect" in html
    assert "Chart data as a table" in html
    assert "Decision:" in html and "Sequential test" in html
    a, b = web.creative_ids
    same = web.client.get(f"/campaigns/{web.campaign_id}/performance", params={"a": a, "b": a})
    assert same.status_code == 422 and "different from A" in same.text
    bad_mde = web.client.get(f"/campaigns/{web.campaign_id}/performance", params={"a": a, "b": b, "mde": "2"})
    assert bad_mde.status_code == 422 and 'id="ab-mde-error"' in bad_mde.text


def test_runs_page_lists_metrics_and_serves_reports_only_from_run_folders(web, login, tmp_path) -> None:
    login(web.client, web.key)
    assert "No training runs yet" in web.client.get("/runs").text
    run = tmp_path / "home" / "runs" / "lora-adgen"
    run.mkdir(parents=True)
    (run / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "gemma-3-270m"}))
    (run / "data_fingerprint.json").write_text(json.dumps({"rows": 1000}))
    assert "no metrics JSON yet" in web.client.get("/runs").text  # still training: no metrics.json
    metrics = {"train_loss": 2.25, "best_val_loss": 2.5, "best_step": 300}
    (run / "metrics.json").write_text(json.dumps(metrics))
    (run / "eval").mkdir()
    (run / "eval" / "evaluation.json").write_text(json.dumps(
        {"runs": [{"label": "A", "metrics": {"bleu-4": 7.25, "rouge-l": 21.5}}], "rows": []}))
    (run / "eval" / "report.html").write_text("<html><body>report 报告</body></html>", encoding="utf-8")
    html = web.client.get("/runs").text
    assert "lora-adgen" in html and "gemma-3-270m" in html and "best_step" in html and ">300<" in html
    assert "A: bleu-4" in html and "7.25" in html and 'href="/runs/lora-adgen/files/eval/report.html"' in html
    report = web.client.get("/runs/lora-adgen/files/eval/report.html")
    assert report.status_code == 200 and "报告" in report.text
    assert "script-src" not in report.headers["content-security-policy"]  # default-src 'none' forbids it
    assert web.client.get("/runs/lora-adgen/files/adapter_config.json").status_code == 200
    assert web.client.get("/runs/lora-adgen/files/..%2F..%2Fweb.db").status_code == 404


def test_unknown_urls_are_a_404_page_for_browsers_and_json_for_the_api(web) -> None:
    page = web.client.get("/no/such/page", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "Page not found" in page.text
    api = web.client.get("/v1/no/such/thing", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.json()["error"] == "not_found"
    assert web.client.post("/no/such/page").json()["error"] == "not_found"
    wrong_method = web.client.get("/v1/creatives/1/pause")  # the API serves this path with POST only
    assert wrong_method.status_code == 405 and wrong_method.json()["error"] == "method_not_allowed"


def test_a_failing_page_is_a_500_page_without_internals(web, login, monkeypatch) -> None:
    from adcraft.api import services

    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(services, "campaign_stats", broken)
    login(web.client, web.key)
    response = web.client.get(f"/campaigns/{web.campaign_id}/performance")
    assert response.status_code == 500 and "Something went wrong" in response.text
    assert "secret internal detail" not in response.text and "Traceback" not in response.text


def test_revoking_the_key_ends_the_dashboard_session(web, login) -> None:
    from sqlalchemy import update

    from adcraft.store.keys import split_key
    from adcraft.store.models import ApiKey, utcnow

    login(web.client, web.key)
    assert web.client.get("/campaigns", follow_redirects=False).status_code == 200
    with web.client.app.state.runtime.db.write() as session:
        session.execute(update(ApiKey).where(ApiKey.prefix == split_key(web.key)).values(revoked_at=utcnow()))
    assert web.client.get("/campaigns", follow_redirects=False).status_code == 303


def test_a_form_posted_without_a_session_returns_to_its_page_after_sign_in(web) -> None:
    url = f"/campaigns/{web.campaign_id}/creatives/{web.creative_ids[0]}/pause"
    referer = f"http://testserver/campaigns/{web.campaign_id}"
    response = web.client.post(url, data={}, headers={"Referer": referer}, follow_redirects=False)
    assert response.headers["location"] == f"/signin?next=/campaigns/{web.campaign_id}"
    foreign = web.client.post(url, data={}, headers={"Referer": "http://evil.example/x"},
                              follow_redirects=False)
    assert foreign.headers["location"] == "/signin?next=/campaigns"


def test_a_running_job_refreshes_without_javascript_and_polls_with_it(web, login) -> None:
    from adcraft.api import services

    with web.client.app.state.runtime.db.write() as session:
        advertiser = services.authenticate(session, web.key)
        brief = {"product": "保温杯", "n_variants": 2}
        campaign, _job = services.create_campaign(session, advertiser.id, brief)
        campaign_id = campaign.id  # the job stays queued: nothing submitted it to the runtime
    login(web.client, web.key)
    html = web.client.get(f"/campaigns/{campaign_id}").text
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert f'data-job-status="/campaigns/{campaign_id}/job.json"' in html and 'aria-live="polite"' in html
    assert '<script src="/static/progress.js" defer></script>' in html
    status = web.client.get(f"/campaigns/{campaign_id}/job.json").json()
    assert status["status"] == "queued" and status["finished"] is False and "2 variants" in status["message"]
    assert web.client.get("/static/progress.js").headers["content-type"].startswith("text/javascript")
    done = web.client.get(f"/campaigns/{web.campaign_id}").text
    assert "http-equiv" not in done and "progress.js" not in done


def test_pause_and_resume_the_whole_campaign(web, login) -> None:
    from adcraft.api import services

    login(web.client, web.key)
    html = web.client.get(f"/campaigns/{web.campaign_id}").text
    url = f"/campaigns/{web.campaign_id}/serving/pause"
    assert f'action="{url}"' in html
    paused = web.client.post(url, data={"csrf_token": csrf_of(html)})
    assert "Campaign paused" in paused.text and "campaign paused</span>" in paused.text
    runtime = web.client.app.state.runtime
    with pytest.raises(services.Conflict, match="paused"):
        runtime.decide(1, web.campaign_id)
    form = {"csrf_token": csrf_of(html)}
    resumed = web.client.post(f"/campaigns/{web.campaign_id}/serving/resume", data=form)
    assert "Campaign resumed" in resumed.text
    assert runtime.decide(1, web.campaign_id).creative_id in web.creative_ids
    assert web.client.post(f"/campaigns/{web.other_campaign_id}/serving/pause", data=form).status_code == 404
