"""HTTP latency of `decide` + `events` at a fixed request rate, against a real `adcraft serve` (SQLite).

Open-loop load: request i is sent at t0 + i / rate whatever earlier requests are doing, and its
latency runs from that scheduled time to the response (so a stalled server is charged for the
requests queued behind it; no coordinated omission). Requests alternate: POST /decide, then POST
/events with one click for a decision returned earlier (new event id each time).
Baseline, same run, same load generator, same uvicorn settings: a bare FastAPI app whose two POST
endpoints do nothing. Ratio = adcraft p99 / baseline p99 (what the service adds over the framework).

    .venv/bin/python bench/http_latency.py [--rate 500] [--seconds 20]

Prints ONE JSON line. Goal: adcraft p99 <= 10 ms at 500 req/s on SQLite (synchronous=FULL).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_baseline(port: int) -> None:
    import uvicorn
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/v1/campaigns/{campaign_id}/decide")
    def decide(campaign_id: int) -> dict:
        return {"decision_id": "0" * 32, "creative_id": 1}

    @app.post("/v1/events")
    def events() -> dict:
        return {"accepted": 1, "duplicates": []}

    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")


def wait_up(proc: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            httpx.post(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"server at {url} did not come up")


def setup_adcraft(home: Path) -> tuple[str, str, int]:
    from adcraft.store import Database, create_api_key
    from adcraft.store.models import Campaign, Creative

    db_url = f"sqlite:///{home / 'bench.db'}"
    db = Database(db_url)
    db.upgrade()
    with db.write() as s:
        advertiser, key = create_api_key(s, "bench")
        campaign = Campaign(
            advertiser_id=advertiser.id,
            name="bench",
            brief={"product": "x"},
            platform="generic",
            policy="ts",
            policy_params={},
            status="active",
            version=1,
        )
        s.add(campaign)
        s.flush()
        s.add_all(
            [
                Creative(
                    campaign_id=campaign.id,
                    fields={"text": [f"variant {i}"]},
                    findings=[],
                    generation={},
                    status="active",  # approved: new creatives wait for review and are not served
                    status_reason="",
                )
                for i in range(20)
            ]
        )
    db.dispose()
    return db_url, key, campaign.id


async def load(
    base: str, headers: dict[str, str], campaign_id: int, rate: float, seconds: float, warmup: float
) -> dict:
    """Open-loop: alternate decide / events at `rate` requests per second; latencies after warm-up.

    aiohttp, not httpx, drives the load: it costs several times less CPU per request, and on a small
    machine the load generator shares the cores with the server it measures.
    """
    import aiohttp

    latencies: list[float] = []
    errors = 0
    decisions: list[str] = []
    counter = itertools.count()
    connector = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(
        base, headers=headers, connector=connector, timeout=aiohttp.ClientTimeout(total=10)
    ) as client:

        async def one(i: int, scheduled: float, measured: bool) -> None:
            nonlocal errors
            try:
                if i % 2 == 0 or not decisions:
                    async with client.post(
                        f"/v1/campaigns/{campaign_id}/decide", json={"segment": "web"}
                    ) as r:
                        body = await r.json()
                        ok = r.status == 200
                    if ok:
                        decisions.append(body["decision_id"])
                        del decisions[:-1000]
                else:
                    event = {"event_id": f"e{next(counter)}", "decision_id": decisions[-1], "type": "click"}
                    async with client.post("/v1/events", json={"events": [event]}) as r:
                        await r.read()
                        ok = r.status == 200
            except (TimeoutError, aiohttp.ClientError):
                ok = False
            if measured:
                latencies.append(time.perf_counter() - scheduled)
                errors += not ok

        t0 = time.perf_counter() + 0.05
        total = int(rate * (seconds + warmup))
        tasks = []
        lag = []
        for i in range(total):
            scheduled = t0 + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            lag.append(time.perf_counter() - scheduled)
            tasks.append(asyncio.create_task(one(i, scheduled, i >= rate * warmup)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - t0
    ms = np.array(latencies) * 1e3
    return {
        "requests": len(ms),
        "errors": errors,
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
        "max_ms": round(float(ms.max()), 2),
        "achieved_rps": round(total / elapsed, 1),
        "send_lag_p99_ms": round(float(np.percentile(np.array(lag) * 1e3, 99)), 2),
    }


def fsync_probe(path: Path, n: int = 300) -> dict:
    """Latency of one-row commits in SQLite (WAL, synchronous=FULL) on the bench's disk: the floor
    under any acknowledged write, whatever the service does above it."""
    import sqlite3

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (x)")
    times = []
    for i in range(n):
        t = time.perf_counter()
        conn.execute("BEGIN")
        conn.execute("INSERT INTO t VALUES (?)", (i,))
        conn.execute("COMMIT")
        times.append(time.perf_counter() - t)
    conn.close()
    ms = np.array(times) * 1e3
    return {"p50_ms": round(float(np.percentile(ms, 50)), 2),
            "p99_ms": round(float(np.percentile(ms, 99)), 2)}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc), to price a request in CPU time."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_server(name: str, cmd: list[str], env: dict, key: str, campaign_id: int, args) -> dict:  # noqa: ANN001
    port = free_port()
    cmd = [a.replace("{port}", str(port)) for a in cmd]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_up(proc, f"http://127.0.0.1:{port}/v1/events")
        base = f"http://127.0.0.1:{port}"
        cpu_before = cpu_seconds(proc.pid)
        headers = {"X-API-Key": key}
        result = asyncio.run(load(base, headers, campaign_id, args.rate, args.seconds, args.warmup))
        sent = int(args.rate * (args.seconds + args.warmup))
        result["server_cpu_ms_per_request"] = round((cpu_seconds(proc.pid) - cpu_before) / sent * 1e3, 3)
        return result
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    import faulthandler

    faulthandler.dump_traceback_later(float(os.environ.get("BENCH_DUMP_S", "1e9")), exit=True)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--serve-baseline", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_baseline:
        serve_baseline(args.serve_baseline)
        return

    with tempfile.TemporaryDirectory(prefix="adcraft-bench-") as tmp:
        home = Path(tmp)
        db_url, key, campaign_id = setup_adcraft(home)
        env = {**os.environ, "ADCRAFT_HOME": str(home), "ADCRAFT_RATE_LIMIT": "0"}
        serve = [sys.executable, "-m", "adcraft.cli.main", "serve", "--port", "{port}", "--db", db_url,
                 "--log-level", "warning"]
        fsync = fsync_probe(home / "probe.db")
        baseline = run_server("baseline", [sys.executable, __file__, "--serve-baseline", "{port}"], env, key,
                              campaign_id, args)
        adcraft = run_server("adcraft", serve, env, key, campaign_id, args)
        env_normal = {**env, "ADCRAFT_SQLITE_SYNCHRONOUS": "NORMAL"}
        normal = run_server("adcraft", serve, env_normal, key, campaign_id, args)
    print(json.dumps({
        "bench": "http_latency", "rate_rps": args.rate, "seconds": args.seconds, "cpus": os.cpu_count(),
        "load_avg_1m": round(os.getloadavg()[0], 1), "db": "sqlite (WAL, synchronous=FULL)",
        "mix": "open loop, alternating POST decide / POST events (1 click)",
        "adcraft": adcraft, "baseline_bare_fastapi": baseline,
        "p99_ratio": round(adcraft["p99_ms"] / baseline["p99_ms"], 2),
        "p50_ratio": round(adcraft["p50_ms"] / baseline["p50_ms"], 2),
        "sqlite_commit_fsync": fsync,
        "adcraft_sync_normal": normal,
        "goal": "adcraft p99 <= 10 ms at 500 req/s",
    }))


if __name__ == "__main__":
    main()
