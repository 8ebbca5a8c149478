"""The dashboard in a real browser: Debian's chromium driven by Playwright against a real `adcraft serve`.

One server per module (temp ADCRAFT_HOME, SQLite, the tiny random model for generation); the
tests run in file order and build on each other's campaign. Screenshots of every main page go to
artifacts/screenshots/ (gitignored); ADCRAFT_UPDATE_DOCS_IMG=1 also refreshes
the two in docs/img/ (shown in docs/guide.md).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import pytest

CHROMIUM = Path(os.environ.get("ADCRAFT_CHROMIUM", "/usr/bin/chromium"))
# Skip before any fixture runs (the tiny model, the server) where there is no browser to drive.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(600),
              pytest.mark.skipif(not CHROMIUM.exists(),
                                 reason=f"Debian chromium not installed at {CHROMIUM} (run `make browser`)")]
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "artifacts" / "screenshots"
DOCS_IMG = REPO / "docs" / "img"
LAPTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


@dataclass
class Server:
    url: str
    home: Path
    db_path: Path
    key: str
    rival_key: str
    process: subprocess.Popen
    state: dict = field(default_factory=dict)  # what earlier tests made, for later ones

    def api(self, key: str | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"X-API-Key": key or self.key}, timeout=30)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path, browser) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("dashboard-home")
    db_path = home / "adcraft.db"
    env = os.environ | {"ADCRAFT_HOME": str(home), "ADCRAFT_AUTO_PAUSE_MIN_IMPRESSIONS": "0"}
    adcraft = str(Path(sys.executable).parent / "adcraft")

    def create_key(advertiser: str) -> str:
        out = subprocess.run([adcraft, "keys", "create", "--advertiser", advertiser, "--db", str(db_path)],
                             env=env, capture_output=True, text=True, timeout=120, check=True).stdout
        return re.search(r"adk_\S+", out).group(0)

    key, rival_key = create_key("Acme 服饰"), create_key("Rival Co")
    port = _free_port()
    log = (home / "server.log").open("w")
    command = [adcraft, "serve", "--host", "127.0.0.1",
               "--port", str(port), "--db", str(db_path), "--model", str(tiny_model_dir),
               "--log-level", "warning"]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"adcraft serve did not start:\n{(home / 'server.log').read_text()[-3000:]}")
        time.sleep(0.3)
    yield Server(url, home, db_path, key, rival_key, process)
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture()
def page(browser, server: Server):  # noqa: ANN201 - a signed-in Playwright page at laptop width
    context = browser.new_context(viewport=LAPTOP, locale="zh-CN")
    page = context.new_page()
    sign_in(page, server, server.key)
    yield page
    context.close()


def sign_in(page, server: Server, key: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{server.url}/campaigns")
    expect(page).to_have_url(re.compile(r"/signin\?next=/campaigns$"))
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/campaigns$"))


def shot(page, name: str, full_page: bool = True) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def test_create_a_campaign_on_the_tiny_model_and_watch_it_generate(page, server: Server) -> None:
    from playwright.sync_api import expect

    page.get_by_role("navigation", name="Main").get_by_role("link", name="New campaign").click()
    page.get_by_label("Product").fill("牛仔外套")
    page.get_by_label("Attributes").fill("类型#上衣\n材质#牛仔布\n颜色#白色")
    page.get_by_label("Audience").fill("年轻女性")
    page.get_by_label("Tone").fill("活泼")
    page.get_by_label("Platform").select_option("taobao_title")  # short titles: quick to decode
    page.get_by_label("Language").select_option("zh")
    page.get_by_label("Brand examples").fill("白鹿牛仔，简约不简单。")
    page.get_by_label("Number of variants").fill("2")
    shot(page, "new-campaign")
    page.get_by_role("button", name="Create and generate").click()
    expect(page).to_have_url(re.compile(r"/campaigns/\d+$"))
    status = page.locator("[data-job-text]")
    expect(status).to_have_attribute("aria-live", "polite")
    # the page's script polls the job and reloads when it ends: no manual refresh here
    # Nothing serves before review: every new creative waits, with its findings beside it. A random
    # model's copy rarely passes the gates, so the job may also fail, saying why: both are answers.
    expect(status).to_contain_text(re.compile(r"Generated [12] of 2: [12] waiting for review, 0 active"
                                              r"|Generation failed: no usable creative of the 2 requested"),
                                   timeout=240_000)
    server.state["campaign_id"] = int(page.url.rstrip("/").split("/")[-1])
    shot(page, "campaign-tiny-model")
    # creatives written by hand join the review queue too (two, so later tests have an A and a B)
    for title in ("白色牛仔外套女 休闲上衣", "牛仔外套 白色简约款"):
        page.locator("#add-creative summary").click()
        page.locator("#add-title").fill(title)
        page.get_by_role("button", name="Check and add").click()
        expect(page.locator("[role=status]").first).to_contain_text("added, waiting for review")
    expect(page.get_by_role("heading", name=re.compile("^Review: "))).to_be_visible()
    expect(page.locator("article.creative.pending .tag").filter(has_text="manual")).to_have_count(2)
    expect(page.locator(".preview.product").first).to_be_visible()
    expect(page.locator("table.lengths td.num").first).to_contain_text("/ 60")
    # the model's copy is not shippable as written: each creative is edited, checked again, approved
    titles = ["白色牛仔外套 简约百搭上衣女", "牛仔布白色外套 春秋新款上衣", "白色牛仔外套 春季上衣女",
              "白色牛仔外套 百搭上衣"]
    texts = iter(titles)
    while page.locator("article.creative.pending").count():
        _edit_and_approve(page, page.locator("article.creative.pending").first, next(texts))
        expect(page.locator("[role=status]").first).to_contain_text("edited and approved")
    expect(page.locator("article.creative.active").first).to_contain_text("edited")
    with server.api() as api:  # (no decision here: the next test counts impressions from zero)
        active = api.get(f"/v1/campaigns/{server.state['campaign_id']}/creatives",
                         params={"status": "active"}).json()
    assert active and all(c["edited"] and c["reviewed_at"] for c in active)
    assert len(active) >= 2 and {c["fields"]["title"][0] for c in active} <= set(titles)


def _edit_and_approve(page, card, text: str) -> None:  # noqa: ANN001 - playwright objects
    """Open the card's "Edit and approve", write `text` as its title, check and approve."""
    details = card.locator("details").filter(has=page.locator("form[action$='/edit']"))
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    card.locator("textarea[name='f.title']").fill(text)
    card.get_by_role("button", name=re.compile("^Check and approve")).click()


def _traffic(server: Server, campaign_id: int, n: int, n_clicks: int,
             segment: str | None = None) -> list[dict]:
    """`n` decisions through the JSON API, then one click on each of the first `n_clicks` of them."""
    with server.api() as api:
        decisions = []
        for _ in range(n):
            response = api.post(f"/v1/campaigns/{campaign_id}/decide", json={"segment": segment})
            assert response.status_code == 200, response.text
            decisions.append(response.json())
        events = [{"event_id": f"click-{d['decision_id']}", "decision_id": d["decision_id"], "type": "click"}
                  for d in decisions[:n_clicks]]
        if events:
            response = api.post("/v1/events", json={"events": events})
            assert response.status_code == 200 and response.json()["accepted"] == len(events)
    return decisions


def test_events_posted_through_the_api_change_numbers_and_charts(page, server: Server) -> None:
    from playwright.sync_api import expect

    campaign_id = server.state["campaign_id"]
    page.goto(f"{server.url}/campaigns/{campaign_id}/performance")
    expect(page.locator("#total-impressions")).to_have_text("0")
    expect(page.locator("svg.chart").first).to_contain_text("No impressions yet")

    _traffic(server, campaign_id, 20, 4)
    page.reload()
    expect(page.locator("#total-impressions")).to_have_text("20")
    expect(page.locator("#total-clicks")).to_have_text("4")
    first_chart = page.locator("svg.chart").first.inner_html()
    assert "<polyline" in first_chart
    expect(page.locator("#ab-report")).to_contain_text("Decision:")
    expect(page.locator("table").first).to_contain_text("%")

    time.sleep(1.1)  # the next decisions land in a later one-second bucket of the charts
    _traffic(server, campaign_id, 20, 10, segment="mobile")
    page.reload()
    expect(page.locator("#total-impressions")).to_have_text("40")
    expect(page.locator("#total-clicks")).to_have_text("14")
    assert page.locator("svg.chart").first.inner_html() != first_chart
    expect(page.get_by_text("Segment “mobile”")).to_be_visible()
    shot(page, "performance-tiny-model")


def test_pause_a_creative_from_its_card(page, server: Server) -> None:
    from playwright.sync_api import expect

    campaign_id = server.state["campaign_id"]
    page.goto(f"{server.url}/campaigns/{campaign_id}")
    card = page.locator("article.creative.active").first
    creative_id = int(card.get_attribute("id").split("-")[1])
    card.get_by_role("button", name=re.compile("^Pause")).click()
    expect(page.locator("[role=status]").first).to_contain_text(f"Creative #{creative_id} paused")
    expect(page.locator(f"#creative-{creative_id} .badge")).to_have_text("paused")
    with server.api() as api:
        rows = {c["id"]: c for c in api.get(f"/v1/campaigns/{campaign_id}/creatives").json()}
    assert rows[creative_id]["status"] == "paused"
    page.locator(f"#creative-{creative_id}").get_by_role("button", name=re.compile("^Resume")).click()
    expect(page.locator(f"#creative-{creative_id} .badge")).to_have_text("active")


def test_regenerate_from_winners_adds_creatives(page, server: Server) -> None:
    from playwright.sync_api import expect

    campaign_id = server.state["campaign_id"]
    page.goto(f"{server.url}/campaigns/{campaign_id}/performance")
    before = len(server.api().get(f"/v1/campaigns/{campaign_id}/creatives").json())
    page.get_by_label("New variants").fill("1")
    page.get_by_role("button", name="Regenerate from winners").click()
    expect(page.locator("[role=status]").first).to_contain_text("Regenerating 1 new variant from the winners")
    outcome = re.compile(r"Generated 1 of 1: 1 waiting for review|Generation failed: no usable creative")
    expect(page.locator("[data-job-text]")).to_contain_text(outcome, timeout=240_000)
    with server.api() as api:
        jobs = api.get(f"/v1/campaigns/{campaign_id}/jobs").json()
    assert [j["kind"] for j in jobs] == ["create", "regenerate"]
    if jobs[-1]["status"] == "failed":  # the tiny model wrote nothing usable, and the job says why
        assert jobs[-1]["error"] and jobs[-1]["dropped_reasons"]
        return
    expect(page.locator("article.creative")).to_have_count(before + 1)
    regenerated = page.locator("article.creative.pending")
    expect(regenerated.locator(".tag")).to_have_text("regenerated")  # marked, and waiting for review
    page.get_by_label(re.compile("^Reason for rejecting")).fill("not on brief")
    regenerated.get_by_role("button", name=re.compile("^Reject creative")).click()
    expect(page.locator("article.creative.rejected")).to_contain_text("rejected in review: not on brief")


def test_bad_brief_shows_errors_next_to_fields_and_keeps_what_was_typed(page, server: Server) -> None:
    from playwright.sync_api import expect

    page.goto(f"{server.url}/campaigns/new")
    page.get_by_label("Audience").fill("通勤上班族")
    page.get_by_label("Attributes").fill("材质#不锈钢\n容量")
    page.get_by_label("Platform").select_option("taobao_title")
    page.get_by_label("Language").select_option("en")
    page.get_by_label("Number of variants").fill("0")
    page.get_by_role("button", name="Create and generate").click()
    for name in ("product", "attributes", "language", "n_variants"):
        expect(page.locator(f"#f-{name}-error")).to_be_visible()
        expect(page.locator(f"#f-{name}")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Audience")).to_have_value("通勤上班族")
    expect(page.get_by_label("Attributes")).to_have_value("材质#不锈钢\n容量")
    expect(page.get_by_label("Platform")).to_have_value("taobao_title")
    expect(page.get_by_role("alert")).to_contain_text("problems")
    shot(page, "new-campaign-errors")


def test_another_advertisers_campaign_is_a_404_page(browser, server: Server) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.goto(f"{server.url}/")
    expect(page.get_by_label("API key")).to_be_focused()  # autofocus: type the key straight away
    shot(page, "signin")
    sign_in(page, server, server.rival_key)
    expect(page.get_by_text("No campaigns yet")).to_be_visible()
    response = page.goto(f"{server.url}/campaigns/{server.state['campaign_id']}")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    assert "Traceback" not in page.content()
    shot(page, "error-404")
    response = page.goto(f"{server.url}/no/such/page")
    assert response.status == 404 and "Page not found" in page.content()
    context.close()


def test_keyboard_reaches_the_skip_link_and_focus_is_visible(page, server: Server) -> None:
    page.goto(f"{server.url}/campaigns")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.textContent, "
                            "getComputedStyle(document.activeElement).outlineStyle]")
    assert focused == ["Skip to content", "solid"]


def _spread_over_hours(server: Server, campaign_id: int, hours: float) -> None:
    """Move the campaign's decisions (and their clicks) back in time, in order, as a day of traffic."""
    from sqlalchemy import select, update

    from adcraft.store import Database
    from adcraft.store.models import Decision, Event

    database = Database(str(server.db_path))
    with database.write() as session:
        ids = list(session.scalars(select(Decision.id).where(Decision.campaign_id == campaign_id)
                                   .order_by(Decision.created_at)))
        start = datetime.now(UTC) - timedelta(hours=hours)
        for i, decision_id in enumerate(ids):
            moment = start + timedelta(hours=hours) * i / len(ids)
            session.execute(update(Decision).where(Decision.id == decision_id).values(created_at=moment))
            session.execute(update(Event).where(Event.decision_id == decision_id)
                            .values(created_at=moment + timedelta(seconds=20)))
    database.dispose()


def test_demo_campaigns_in_every_preview_and_the_screenshots(browser, page, server: Server) -> None:
    """Hand-written creatives on each platform (no model), a simulated day of traffic, every page shot."""
    from demo_campaigns import seed_demo
    from playwright.sync_api import expect

    from adcraft.store import Database

    database = Database(str(server.db_path))
    with database.read() as session:
        from adcraft.api import services

        advertiser_id = services.authenticate(session, server.key).id
    search_id, product_id, note_id, feed_id = seed_demo(database, advertiser_id)
    database.dispose()

    # a day of traffic on the search campaign: hidden CTRs 3%, 6%, 4.5%; Thompson sampling finds #2
    rng = np.random.default_rng(7)
    with server.api() as api:
        ids = [c["id"] for c in api.get(f"/v1/campaigns/{search_id}/creatives").json()]
        hidden = dict(zip(ids, (0.03, 0.06, 0.045), strict=True))
        events: list[dict] = []
        for i in range(900):
            decision = api.post(f"/v1/campaigns/{search_id}/decide",
                                json={"segment": ("mobile", "desktop")[i % 2]}).json()
            if rng.random() < hidden[decision["creative_id"]] * (1.3 if i % 2 == 0 else 0.8):
                events.append({"event_id": f"sim-{i}", "decision_id": decision["decision_id"],
                               "type": "click"})
            if i % 50 == 49 and events:  # clicks arrive in batches while serving goes on
                assert api.post("/v1/events", json={"events": events}).status_code == 200
                events = []
    _spread_over_hours(server, search_id, hours=12)

    previews = {}
    for campaign_id, name in ((search_id, "preview-search"), (product_id, "preview-product"),
                              (note_id, "preview-note"), (feed_id, "preview-feed")):
        page.goto(f"{server.url}/campaigns/{campaign_id}")
        expect(page.locator("article.creative").first).to_be_visible()
        previews[name] = shot(page, name)
    expect(page.locator(".preview.feed").first).to_contain_text("Get 3 Free Meals")

    page.goto(f"{server.url}/campaigns/{product_id}")
    expect(page.locator(".preview.product").first).to_be_visible()
    pending = page.locator("article.creative.pending")
    expect(pending).to_contain_text("广告法")  # the finding's reason is shown beside the review forms
    expect(pending.get_by_role("button", name=re.compile("^Approve creative"))).to_have_count(0)  # edit it
    expect(pending.get_by_role("button", name=re.compile("^Check and approve"))).to_be_visible()
    shot(page, "review")
    expect(page.locator("td.over").first).to_contain_text("too long")

    page.goto(f"{server.url}/campaigns/{search_id}/performance")
    expect(page.locator("#total-impressions")).to_have_text("900")
    expect(page.locator("svg.chart rect").first).to_be_attached()
    laptop_performance = shot(page, "performance")

    page.goto(f"{server.url}/campaigns")
    shot(page, "campaigns")
    page.goto(f"{server.url}/campaigns/{search_id}/brief")
    expect(page.get_by_text("weekend trail runners")).to_be_visible()
    shot(page, "brief")

    run = server.home / "runs" / "lora-adgen-2026-11-29"
    run.mkdir(parents=True)
    (run / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "gemma-3-270m"}))
    (run / "metrics.json").write_text(json.dumps(
        {"train_loss": 2.14, "best_val_loss": 2.31, "best_step": 400, "steps": 500, "epochs": 2}))
    (run / "eval").mkdir()
    (run / "eval" / "evaluation.json").write_text(json.dumps({"runs": [
        {"label": "A", "metrics": {"bleu-4": 6.81, "rouge-1": 31.2, "rouge-l": 22.4, "distinct-2": 61.0}}]}))
    (run / "eval" / "report.html").write_text(
        "<!doctype html><meta charset=utf-8><h1>评估报告 evaluation</h1>", encoding="utf-8")
    page.goto(f"{server.url}/runs")
    expect(page.get_by_role("heading", name="lora-adgen-2026-11-29")).to_be_visible()
    shot(page, "runs")
    page.get_by_role("link", name="Evaluation report").click()
    expect(page.get_by_role("heading", name="评估报告 evaluation")).to_be_visible()

    phone = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    phone_page = phone.new_page()
    sign_in(phone_page, server, server.key)
    phone_page.goto(f"{server.url}/campaigns/{note_id}")
    expect(phone_page.locator(".preview.note").first).to_be_visible()
    width = phone_page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways on a phone ({width}px)"
    phone_shot = shot(phone_page, "phone-note", full_page=False)
    phone_page.goto(f"{server.url}/campaigns/{search_id}/performance")
    width = phone_page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the performance page scrolls sideways on a phone ({width}px)"
    shot(phone_page, "phone-performance")
    phone.close()

    assert phone_shot.stat().st_size > 0
    if os.environ.get("ADCRAFT_UPDATE_DOCS_IMG"):  # refresh docs/guide.md's screenshots only when asked
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(laptop_performance, DOCS_IMG / "dashboard-performance.png")
        shutil.copyfile(previews["preview-product"], DOCS_IMG / "dashboard-previews.png")
