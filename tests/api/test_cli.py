"""`adcraft keys create`, `adcraft campaign list|stats|approve|reject`, `adcraft db upgrade`: output and
exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from adcraft.store import Database
from adcraft.store.models import Campaign, Creative, CreativeCounter


def adcraft(*args: str, home: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "adcraft.cli.main", *args], capture_output=True, text=True,
                          env={"ADCRAFT_HOME": str(home), "PATH": "/usr/bin:/bin"}, timeout=120)


def test_keys_campaign_list_and_stats(tmp_path: Path):
    db_path = tmp_path / "cli.db"
    upgraded = adcraft("db", "upgrade", "--db", str(db_path), home=tmp_path)
    assert upgraded.returncode == 0 and "0002" in upgraded.stdout
    created = adcraft("keys", "create", "--advertiser", "acme", "--db", str(db_path), home=tmp_path)
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert key.startswith("adk_") and "\n" not in key  # stdout is the key alone: scripts can capture it
    assert "not shown again" in created.stderr
    db = Database(str(db_path))
    with db.write() as s:
        campaign = Campaign(advertiser_id=1, name="shoes", brief={"product": "shoes"}, platform="generic",
                            policy="ts", policy_params={}, status="active")
        s.add(campaign)
        s.flush()
        creative = Creative(campaign_id=campaign.id, fields={"text": ["go"]}, findings=[], generation={},
                            status_reason="")
        s.add(creative)
        s.flush()
        s.add(CreativeCounter(creative_id=creative.id, segment="", campaign_id=campaign.id, impressions=200,
                              clicks=10, conversions=1, value=5.0))
    db.dispose()
    listed = adcraft("campaign", "list", "-a", "acme", "--db", str(db_path), "--json", home=tmp_path)
    assert listed.returncode == 0 and [c["name"] for c in json.loads(listed.stdout)] == ["shoes"]
    stats = adcraft("campaign", "stats", str(campaign.id), "-a", "acme", "--db", str(db_path), "--json",
                    home=tmp_path)
    row = json.loads(stats.stdout)["creatives"][0]
    assert (row["impressions"], row["clicks"], row["ctr"]) == (200, 10, 0.05)
    table = adcraft("campaign", "stats", str(campaign.id), "-a", "acme", "--db", str(db_path), home=tmp_path)
    assert table.returncode == 0 and "5.00%" in table.stdout


def test_cli_user_errors_exit_2_without_traceback(tmp_path: Path):
    db = str(tmp_path / "cli.db")
    cases = [
        ("campaign", "list", "-a", "nobody", "--db", db),
        ("campaign", "stats", "42", "-a", "nobody", "--db", db),
        ("keys", "create", "--advertiser", " ", "--db", db),
        ("campaign", "create", "-a", "nobody", "--db", db),
        ("db", "upgrade", "--db", "mysql://x/y"),
    ]
    for args in cases:
        result = adcraft(*args, home=tmp_path)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr and "error:" in result.stderr


def test_campaign_create_generates_and_checks_on_the_tiny_model(tmp_path: Path, tiny_model_dir: Path):
    db = str(tmp_path / "cli.db")
    assert adcraft("keys", "create", "--advertiser", "acme", "--db", db, home=tmp_path).returncode == 0
    brief = tmp_path / "brief.yaml"
    brief.write_text("product: trail running shoes\nlanguage: en\nplatform: generic\nn_variants: 2\n")
    result = subprocess.run(
        [sys.executable, "-m", "adcraft.cli.main", "campaign", "create", "-a", "acme", "--brief", str(brief),
         "--model", str(tiny_model_dir), "--db", db, "--json", "--auto-approve"],
        capture_output=True, text=True, timeout=600,
        env={"ADCRAFT_HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "ADCRAFT_GEN_MAX_NEW_TOKENS": "24"})
    out = json.loads(result.stdout)
    if out["job"]["status"] == "failed":  # the random model wrote nothing the gates pass: exit 2, and why
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert "no usable creative of the 2 requested" in result.stderr and out["job"]["dropped_reasons"]
        return
    assert result.returncode == 0, result.stderr[-2000:]
    assert out["job"]["status"] == "done" and out["campaign"]["model"] == str(tiny_model_dir)
    assert out["campaign"]["auto_approve"] is True and out["creatives"]
    for c in out["creatives"]:  # auto-approved exactly when no gate blocks it; the others wait
        failing = any(f["severity"] == "block" for f in c["findings"])
        assert c["status"] == ("pending" if failing else "active") and c["origin"] == "generated"


def test_keys_list_and_revoke_lock_a_key_out_of_the_api(client, keys, settings, tmp_path: Path):
    db = settings.db_url.removeprefix("sqlite:///")
    acme_key = keys["acme"][1]["X-API-Key"]
    second = adcraft("keys", "create", "-a", "acme", "--db", db, home=tmp_path).stdout.strip()
    head = acme_key[: acme_key.index("_", 4)]  # adk_<prefix>: what `keys list` shows
    listed = adcraft("keys", "list", "-a", "acme", "--db", db, "--json", home=tmp_path)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [r["key"] for r in rows] == [head, second[: second.index("_", 4)]]
    assert all(r["revoked"] is None for r in rows) and acme_key not in listed.stdout  # no secrets

    revoked = adcraft("keys", "revoke", head, "--db", db, home=tmp_path)
    assert revoked.returncode == 0 and f"revoked API key {head}" in revoked.stdout
    assert client.get("/v1/campaigns", headers={"X-API-Key": acme_key}).status_code == 401
    assert client.get("/v1/campaigns", headers={"X-API-Key": second}).status_code == 200
    assert client.get("/v1/campaigns", headers=keys["globex"][1]).status_code == 200
    rows = json.loads(adcraft("keys", "list", "-a", "acme", "--db", db, "--json", home=tmp_path).stdout)
    assert rows[0]["revoked"] and rows[1]["revoked"] is None

    # The whole key works as well as its head; a key with the right head and a wrong secret does not.
    forged = second[: second.index("_", 4) + 1] + "x" * 43
    bad = [("keys", "revoke", head), ("keys", "revoke", "adk_000000000000"), ("keys", "revoke", forged),
           ("keys", "list", "-a", "nobody")]
    for args in bad:
        result = adcraft(*args, "--db", db, home=tmp_path)
        assert result.returncode == 2 and "Traceback" not in result.stderr, (args, result.stderr)
    assert "already revoked" in adcraft("keys", "revoke", head, "--db", db, home=tmp_path).stderr
    assert client.get("/v1/campaigns", headers={"X-API-Key": second}).status_code == 200
    assert adcraft("keys", "revoke", second, "--db", db, home=tmp_path).returncode == 0


def test_campaign_approve_and_reject_review_pending_creatives(tmp_path: Path):
    db_path = tmp_path / "cli.db"
    assert adcraft("keys", "create", "-a", "acme", "--db", str(db_path), home=tmp_path).returncode == 0
    assert adcraft("keys", "create", "-a", "globex", "--db", str(db_path), home=tmp_path).returncode == 0
    db = Database(str(db_path))
    with db.write() as s:
        campaign = Campaign(advertiser_id=1, name="shoes", brief={"product": "trail running shoes",
                            "language": "en"}, platform="generic", policy="ts", policy_params={})
        s.add(campaign)
        s.flush()
        texts = ("Trail running shoes for every trail", "The best trail running shoes",
                 "Trail running shoes for you")
        rows = [Creative(campaign_id=campaign.id, fields={"text": [t]}, findings=[], generation={})
                for t in texts]
        s.add_all(rows)
        s.flush()
        campaign_id, (good, bad, other) = campaign.id, [r.id for r in rows]
    db.dispose()
    base = ("--db", str(db_path))
    foreign = adcraft("campaign", "approve", str(campaign_id), "-a", "globex", *base, home=tmp_path)
    assert foreign.returncode == 2 and "not found" in foreign.stderr
    rejected = adcraft("campaign", "reject", str(other), "-a", "acme", "--reason", "dull", *base,
                       home=tmp_path)
    assert rejected.returncode == 0, rejected.stderr
    approved = adcraft("campaign", "approve", str(campaign_id), "-a", "acme", "--json", *base, home=tmp_path)
    assert approved.returncode == 0, approved.stderr
    result = json.loads(approved.stdout)
    assert result["approved"] == [good] and [s["id"] for s in result["skipped"]] == [bad]
    assert "en.absolute.best" in result["skipped"][0]["reason"]
    again = adcraft("campaign", "reject", str(good), "-a", "acme", *base, home=tmp_path)
    assert again.returncode == 2 and "already approved" in again.stderr and "Traceback" not in again.stderr
