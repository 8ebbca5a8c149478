"""Tenant isolation, API keys, rate limits, CORS, and a database that goes away (503)."""

from __future__ import annotations

from dataclasses import replace

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from adcraft.api.app import create_app
from adcraft.api.settings import Settings
from adcraft.store import create_api_key


def test_another_advertisers_campaign_is_404_everywhere(client, keys, seed_campaign):
    acme_id, acme = keys["acme"]
    _, globex = keys["globex"]
    campaign_id, (a, b) = seed_campaign(acme_id, ["a", "b"])
    decision = client.post(f"/v1/campaigns/{campaign_id}/decide", json={}, headers=acme).json()
    probes = [
        ("get", f"/v1/campaigns/{campaign_id}", None),
        ("get", f"/v1/campaigns/{campaign_id}/creatives", None),
        ("get", f"/v1/campaigns/{campaign_id}/stats", None),
        ("get", f"/v1/campaigns/{campaign_id}/jobs", None),
        ("get", f"/v1/campaigns/{campaign_id}/ab?a={a}&b={b}", None),
        ("post", f"/v1/campaigns/{campaign_id}/decide", {}),
        ("post", f"/v1/campaigns/{campaign_id}/regenerate", {"n": 1}),
        ("post", f"/v1/campaigns/{campaign_id}/auto-pause", None),
        ("patch", f"/v1/campaigns/{campaign_id}", {"status": "paused"}),
        ("post", f"/v1/creatives/{a}/pause", None),
        ("post", f"/v1/creatives/{a}/resume", None),
    ]
    for method, url, body in probes:
        response = client.request(method, url, json=body, headers=globex)
        assert response.status_code == 404, (method, url, response.text)
        assert response.json()["error"] == "not_found"
        assert client.request(method, url, json=body, headers=acme).status_code < 400, (method, url)
    events = {"events": [{"event_id": "g1", "decision_id": decision["decision_id"], "type": "click"}]}
    stolen = client.post("/v1/events", json=events, headers=globex)
    assert stolen.status_code == 404 and stolen.json()["error"] == "unknown_decision"
    assert client.get("/v1/campaigns", headers=globex).json() == []
    assert [c["id"] for c in client.get("/v1/campaigns", headers=acme).json()] == [campaign_id]
    assert client.get(f"/v1/campaigns/{campaign_id}/stats", headers=acme).json()["clicks"] == 0


def test_keys_are_required_and_checked(client, keys):
    _, acme = keys["acme"]
    missing = client.get("/v1/campaigns")
    assert missing.status_code == 401 and "X-API-Key" in missing.json()["message"]
    wrong = client.get("/v1/campaigns", headers={"X-API-Key": acme["X-API-Key"][:-2] + "zz"})
    assert wrong.status_code == 401
    bearer = client.get("/v1/campaigns", headers={"Authorization": f"Bearer {acme['X-API-Key']}"})
    assert bearer.status_code == 200


def test_rate_limit_answers_429_per_key(settings: Settings):
    app = create_app(replace(settings, rate_limit_per_s=1, rate_burst=3))
    with TestClient(app) as client:
        with app.state.runtime.db.write() as session:
            _, key_a = create_api_key(session, "a")
            _, key_b = create_api_key(session, "b")
        codes = [client.get("/v1/campaigns", headers={"X-API-Key": key_a}).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
        limited = client.get("/v1/campaigns", headers={"X-API-Key": key_a})
        assert limited.json()["error"] == "rate_limited" and int(limited.headers["Retry-After"]) >= 1
        assert client.get("/v1/campaigns", headers={"X-API-Key": key_b}).status_code == 200


def test_no_cors_unless_configured(settings: Settings):
    preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    with TestClient(create_app(settings)) as client:
        response = client.options("/v1/events", headers=preflight)
        assert "access-control-allow-origin" not in response.headers
    allowed = replace(settings, cors_origins=("https://shop.example",))
    with TestClient(create_app(allowed)) as client:
        ok = client.options("/v1/events", headers={**preflight, "Origin": "https://shop.example"})
        assert ok.headers["access-control-allow-origin"] == "https://shop.example"
        evil = client.options("/v1/events", headers=preflight)
        assert "access-control-allow-origin" not in evil.headers


def test_database_down_is_503_with_a_clear_body(postgres_db_url: str):
    settings = Settings(db_url=postgres_db_url, rate_limit_per_s=0)
    app = create_app(settings)
    with TestClient(app) as client:
        with app.state.runtime.db.write() as session:
            _, key = create_api_key(session, "acme")
        assert client.get("/v1/campaigns", headers={"X-API-Key": key}).status_code == 200
        name = postgres_db_url.rsplit("/", 1)[1]
        admin = create_engine(postgres_db_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:  # the database disappears under the running service
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
        app.state.key_cache._cache.clear()
        for response in (client.get("/v1/campaigns", headers={"X-API-Key": key}), client.get("/health")):
            assert response.status_code == 503, response.text
            assert response.json()["error"] == "database_unavailable"
            assert "Traceback" not in response.text


def test_service_starts_and_answers_503_when_the_database_is_unreachable():
    settings = Settings(db_url="postgresql+psycopg://postgres@127.0.0.1:9/nowhere", rate_limit_per_s=0)
    with TestClient(create_app(settings)) as client:
        response = client.get("/v1/campaigns", headers={"X-API-Key": "adk_abc_" + "x" * 30})
        assert response.status_code == 503 and response.json()["error"] == "database_unavailable"
        assert client.get("/health").status_code == 503
