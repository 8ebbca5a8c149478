"""SIGKILL a real `adcraft serve` in the middle of 10,000 events: every acknowledged event is stored
exactly once after the restart, and re-posting acknowledged batches adds nothing."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from adcraft.store import Database, create_api_key
from adcraft.store.models import Campaign, Creative, CreativeCounter, Decision, Event

N_EVENTS = 10_000
BATCH = 50


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db_url: str, home: Path, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "ADCRAFT_HOME": str(home), "ADCRAFT_RATE_LIMIT": "0"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "adcraft.cli.main", "serve", "--port", str(port), "--db", db_url,
         "--log-level", "warning"],
        env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    pytest.fail("server did not come up in 60 s")


@pytest.mark.timeout(300)
def test_sigkill_mid_load_loses_no_acknowledged_event(tmp_path: Path):
    db_url = f"sqlite:///{tmp_path / 'kill.db'}"
    db = Database(db_url)
    db.upgrade()
    with db.write() as s:
        advertiser, key = create_api_key(s, "acme")
        campaign = Campaign(advertiser_id=advertiser.id, name="k", brief={"product": "x"}, platform="generic",
                            policy="ts", policy_params={}, status="active", version=1)
        s.add(campaign)
        s.flush()
        s.add_all([Creative(campaign_id=campaign.id, fields={"text": [t]}, findings=[], generation={},
                            status="active", status_reason="") for t in ("a", "b", "c")])
    headers = {"X-API-Key": key}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    server = start_server(db_url, tmp_path, port, log)
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=10) as http:
            decisions = [http.post(f"/v1/campaigns/{campaign.id}/decide", json={}).json()["decision_id"]
                         for _ in range(300)]
        # clicks and conversions spread over the decisions, in batches with stable event ids
        events = [{"event_id": f"ev{i}", "decision_id": decisions[i % len(decisions)],
                   "type": "click" if i % 3 else "conversion", "value": 1.0 if i % 3 == 0 else 0.0}
                  for i in range(N_EVENTS)]
        batches = [events[i:i + BATCH] for i in range(0, N_EVENTS, BATCH)]
        acknowledged: list[int] = []
        lock = threading.Lock()
        kill_after = len(batches) // 3

        def post(index: int) -> None:
            try:
                response = httpx.post(f"{base}/v1/events", json={"events": batches[index]}, headers=headers,
                                      timeout=10)
            except httpx.HTTPError:
                return  # the server died with this batch in flight: unknown outcome, like a real client
            if response.status_code == 200:
                with lock:
                    acknowledged.append(index)
                    if len(acknowledged) == kill_after:
                        os.kill(server.pid, signal.SIGKILL)

        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(post, range(len(batches))))
        server.wait(timeout=10)
        assert server.returncode == -signal.SIGKILL
        assert kill_after <= len(acknowledged) < len(batches), "the kill did not land mid-load"

        acked_ids = {e["event_id"] for i in acknowledged for e in batches[i]}
        server = start_server(db_url, tmp_path, port, log)
        with db.read() as s:
            stored = s.execute(select(Event.event_id, func.count()).group_by(Event.event_id)).all()
        stored_counts = dict(stored)
        assert acked_ids <= stored_counts.keys(), f"{len(acked_ids - stored_counts.keys())} acknowledged lost"
        assert set(stored_counts.values()) == {1}

        with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
            for i in acknowledged:  # the client retries what it already got an answer for: nothing new
                body = http.post("/v1/events", json={"events": batches[i]}).json()
                assert body["accepted"] == 0 and len(body["duplicates"]) == len(batches[i])
            unacked = [i for i in range(len(batches)) if i not in set(acknowledged)]
            for i in unacked:  # ... and everything it never got an answer for
                body = http.post("/v1/events", json={"events": batches[i]}).json()
                assert body["accepted"] + len(body["duplicates"]) == len(batches[i])
        with db.read() as s:
            assert s.scalar(select(func.count()).select_from(Event)) == N_EVENTS
            assert s.scalar(select(func.count(func.distinct(Event.event_id)))) == N_EVENTS
            clicked = s.scalar(select(func.count()).select_from(Decision).where(Decision.clicked.is_(True)))
            counted = s.execute(select(func.sum(CreativeCounter.clicks),
                                       func.sum(CreativeCounter.conversions),
                                       func.sum(CreativeCounter.impressions))).one()
        # counters moved in the same transactions as the events: still consistent after the kill
        assert counted[0] == clicked == len({e["decision_id"] for e in events if e["type"] == "click"})
        assert counted[1] == sum(e["type"] == "conversion" for e in events)
        assert counted[2] == len(decisions)
    finally:
        server.kill()
        server.wait(timeout=10)
        db.dispose()
