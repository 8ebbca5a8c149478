"""`adcraft keys create|list|revoke` and `adcraft campaign create|list|stats|approve|reject`.

These talk to the database directly (`--db`, default $ADCRAFT_DB or ADCRAFT_HOME/adcraft.db), as the
operator of the deployment, and name the advertiser with `--advertiser`. A running `adcraft serve`
on the same database sees what they write at its next decision (campaign versions). `campaign
create` runs generation in this process and waits for it, showing each creative and its findings;
they wait for review (`campaign approve`, the dashboard or the API) unless `--auto-approve` serves
those that pass every gate at once.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from adcraft.cli.errors import err_console, guarded
from adcraft.cli.serve_cmd import DbOption
from adcraft.core import InputError

console = Console(highlight=False)
AdvertiserOption = Annotated[str, typer.Option("--advertiser", "-a", help="advertiser name")]
JsonOption = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]


def _database(db: str | None):  # noqa: ANN202 - adcraft.store.Database
    from adcraft.store import Database

    database = Database(db or os.environ.get("ADCRAFT_DB"))
    database.upgrade()
    return database


def _in_session(db: str | None, advertiser: str, action, *, write: bool = False):  # noqa: ANN001, ANN202
    """`action(session, advertiser_id)` in one transaction of the advertiser's database."""
    database = _database(db)
    advertiser_id = _advertiser_id(database, advertiser)
    with database.write() if write else database.read() as session:
        return action(session, advertiser_id)


def _advertiser_id(database, name: str) -> int:  # noqa: ANN001
    from sqlalchemy import select

    from adcraft.store.models import Advertiser

    with database.read() as session:
        advertiser_id = session.scalar(select(Advertiser.id).where(Advertiser.name == name))
    if advertiser_id is None:
        raise InputError(
            f"no advertiser named {name!r}; create one with `adcraft keys create --advertiser {name}`"
        )
    return advertiser_id


def keys_create(advertiser: AdvertiserOption, db: DbOption = None) -> None:
    """Create an API key for the advertiser (created if new). The key is printed once, never stored."""

    def run() -> None:
        from adcraft.store import create_api_key

        database = _database(db)
        with database.write() as session:
            row, key = create_api_key(session, advertiser)
        err_console.print(
            f"API key for advertiser {row.name!r} (id {row.id}); store it now, it is not shown again:",
            style="dim",
            soft_wrap=True,
        )
        print(key)

    guarded(run)


def keys_list(advertiser: AdvertiserOption, db: DbOption = None, as_json: JsonOption = False) -> None:
    """The advertiser's API keys by their public head (adk_<prefix>), with when each was made or revoked."""

    def run() -> None:
        from adcraft.store import list_api_keys
        from adcraft.store.keys import key_head

        with _database(db).read() as session:
            rows = [{"key": key_head(k.prefix), "created": k.created_at.isoformat(timespec="seconds"),
                     "revoked": k.revoked_at.isoformat(timespec="seconds") if k.revoked_at else None}
                    for k in list_api_keys(session, advertiser)]
        if as_json:
            print(json.dumps(rows, indent=1))
            return
        table = Table("key", "created (UTC)", "revoked (UTC)", title=f"API keys of {advertiser}")
        for row in rows:
            table.add_row(row["key"], row["created"], row["revoked"] or "-")
        console.print(table)

    guarded(run)


def keys_revoke(
    key: Annotated[str, typer.Argument(help="the key, or its head adk_<prefix> from `adcraft keys list`")],
    db: DbOption = None,
) -> None:
    """Revoke an API key: the API refuses it from then on (a running server within 30 s, its key cache)."""

    def run() -> None:
        from adcraft.store import revoke_api_key
        from adcraft.store.keys import key_head

        with _database(db).write() as session:
            head = key_head(revoke_api_key(session, key).prefix)
        console.print(f"revoked API key {head}")

    guarded(run)


def _load_brief(brief_file: Path | None, overrides: dict[str, Any]) -> Any:
    import yaml

    from adcraft.core import Brief

    data: dict[str, Any] = {}
    if brief_file is not None:
        if not brief_file.is_file():
            raise InputError(f"--brief {brief_file}: no such file")
        try:
            data = yaml.safe_load(brief_file.read_text(encoding="utf-8")) or {}  # YAML also reads JSON
        except yaml.YAMLError as exc:
            raise InputError(f"--brief {brief_file}: not valid JSON/YAML ({exc})") from None
        if not isinstance(data, dict):
            raise InputError(f"--brief {brief_file}: expected an object with at least 'product'")
    data.update({k: v for k, v in overrides.items() if v is not None})
    if "product" not in data:
        raise InputError("no product: pass --brief FILE (JSON/YAML brief) or --product NAME")
    return Brief.model_validate(data)


def campaign_create(
    advertiser: AdvertiserOption,
    brief_file: Annotated[Path | None, typer.Option("--brief", help="brief as JSON or YAML")] = None,
    product: Annotated[str | None, typer.Option(help="what is advertised (overrides the brief's)")] = None,
    platform: Annotated[str | None, typer.Option(help="google_rsa, meta_feed, ..., generic")] = None,
    language: Annotated[str | None, typer.Option(help="zh or en")] = None,
    variants: Annotated[int | None, typer.Option(min=1, max=64, help="number of variants")] = None,
    name: Annotated[str | None, typer.Option(help="campaign name (default: the product)")] = None,
    policy: Annotated[str, typer.Option(help="ts, ucb, eps, lints, linucb")] = "ts",
    model: Annotated[str | None, typer.Option(help="model spec for generation")] = None,
    auto_approve: Annotated[bool, typer.Option(
        "--auto-approve",
        help="serve at once the creatives that pass every gate (default: all wait for review)",
    )] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a campaign, generate and check its creatives (in this process), store them for review."""

    def run() -> None:
        from adcraft.api import services
        from adcraft.api.jobs import GenerationRunner
        from adcraft.api.settings import Settings

        brief = _load_brief(
            brief_file,
            {"product": product, "platform": platform, "language": language, "n_variants": variants},
        )
        database = _database(db)
        advertiser_id = _advertiser_id(database, advertiser)
        with database.write() as session:
            campaign, job = services.create_campaign(
                session, advertiser_id, brief, name=name, policy=policy, model=model,
                auto_approve=auto_approve,
            )
        runner = GenerationRunner(database, Settings.from_env(db_url=database.url, model=model))
        with console.status(f"generating {brief.n_variants} variants for campaign {campaign.id}..."):
            runner.run(job.id)
        runner.shutdown()
        with database.read() as session:
            job = services.get_job(session, advertiser_id, job.id)
            creatives = services.list_creatives(session, advertiser_id, campaign.id)
        if as_json:
            print(
                json.dumps(
                    {
                        "campaign": services.campaign_dict(campaign),
                        "job": services.job_dict(job),
                        "creatives": [services.creative_dict(c) for c in creatives],
                    },
                    ensure_ascii=False,
                )
            )
        else:
            _print_creatives(f"campaign {campaign.id}: {campaign.name} ({job.status})", creatives)
            note = services.job_dict(job)["shortfall"]
            if note:
                err_console.print(note, soft_wrap=True)
            if any(c.status == "pending" for c in creatives):
                err_console.print(f"pending creatives are not served until approved: `adcraft campaign "
                                  f"approve {campaign.id} -a {advertiser}`, the dashboard, or the API",
                                  style="dim", soft_wrap=True)
        if job.status == "failed":
            raise InputError(f"generation failed: {job.error}")

    guarded(run)


def _print_creatives(title: str, creatives: list[Any]) -> None:
    table = Table(title=title)
    for column in ("creative", "status", "origin", "text", "findings"):
        table.add_column(column)
    for c in creatives:
        text = " | ".join(v for values in c.fields.values() for v in values)
        findings = "; ".join(f"{f['severity']}: {f['reason']}" for f in c.findings) or "-"
        table.add_row(str(c.id), c.status, c.origin, text, findings)
    console.print(table)


def campaign_approve(
    campaign_id: Annotated[int, typer.Argument(help="campaign id")],
    advertiser: AdvertiserOption,
    creative: Annotated[list[int] | None, typer.Option(
        "--creative", "-c", help="creative id to approve (repeatable; default: every pending one)")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Approve pending creatives that pass every gate; the others are listed with the reason."""

    def run() -> None:
        from adcraft.api import review

        result = _in_session(db, advertiser, lambda session, advertiser_id: review.approve_many(
            session, advertiser_id, campaign_id, creative or None), write=True)
        if as_json:
            print(json.dumps(result, ensure_ascii=False))
            return
        console.print(f"approved: {', '.join(map(str, result['approved'])) or 'none'}")
        for skipped in result["skipped"]:
            line = f"skipped {skipped['id']} ({skipped['status']}): {skipped['reason']}"
            console.print(line, soft_wrap=True)

    guarded(run)


def campaign_reject(
    creative_id: Annotated[int, typer.Argument(help="creative id")],
    advertiser: AdvertiserOption,
    reason: Annotated[str, typer.Option(help="why (kept with the creative)")] = "",
    db: DbOption = None,
) -> None:
    """Reject a pending creative: it is kept with the reason and never served."""

    def run() -> None:
        from adcraft.api import review

        _in_session(db, advertiser, lambda session, advertiser_id: review.reject(
            session, advertiser_id, creative_id, reason), write=True)
        console.print(f"rejected creative {creative_id}")

    guarded(run)


def campaign_list(advertiser: AdvertiserOption, db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the advertiser's campaigns."""

    def run() -> None:
        from adcraft.api import services

        rows = _in_session(db, advertiser, lambda session, advertiser_id: [
            services.campaign_dict(c) for c in services.list_campaigns(session, advertiser_id)])
        if as_json:
            print(json.dumps(rows, ensure_ascii=False))
            return
        table = Table(title=f"campaigns of {advertiser}")
        for column in ("id", "name", "platform", "policy", "status", "created"):
            table.add_column(column)
        for r in rows:
            table.add_row(
                str(r["id"]), r["name"], r["platform"], r["policy"], r["status"], r["created_at"][:19]
            )
        console.print(table)

    guarded(run)


def campaign_stats(
    campaign_id: Annotated[int, typer.Argument(help="campaign id")],
    advertiser: AdvertiserOption,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Per creative: impressions, clicks, CTR with its 95% interval, conversions, P(best)."""

    def run() -> None:
        from adcraft.api import services

        stats = _in_session(db, advertiser, lambda session, advertiser_id: services.campaign_stats(
            session, advertiser_id, campaign_id))
        if as_json:
            print(json.dumps(stats, ensure_ascii=False))
            return
        blocks = [("all", stats["creatives"])] + [(s["segment"], s["creatives"]) for s in stats["segments"]]
        for segment, rows in blocks:
            table = Table(
                title=f"campaign {campaign_id} ({stats['status']}, {stats['policy']}), segment {segment}"
            )
            for column in (
                "creative",
                "status",
                "impr.",
                "clicks",
                "CTR [95% CI]",
                "conv.",
                "value",
                "P(best)",
            ):
                table.add_column(column, justify="right")
            for r in rows:
                p_best = "-" if r["prob_best"] is None else f"{r['prob_best']:.3f}"
                table.add_row(
                    str(r["creative_id"]),
                    r["status"],
                    str(r["impressions"]),
                    str(r["clicks"]),
                    f"{r['ctr']:.2%} [{r['ctr_low']:.2%}, {r['ctr_high']:.2%}]",
                    str(r["conversions"]),
                    f"{r['value']:.2f}",
                    p_best,
                )
            console.print(table)

    guarded(run)


def register(app: typer.Typer) -> None:
    keys_app = typer.Typer(help="API keys of advertisers.", no_args_is_help=True)
    keys_app.command("create")(keys_create)
    keys_app.command("list")(keys_list)
    keys_app.command("revoke")(keys_revoke)
    app.add_typer(keys_app, name="keys")
    campaign_app = typer.Typer(
        help="Campaigns: create (generate + check), list, stats, approve / reject (review).",
        no_args_is_help=True,
    )
    campaign_app.command("create")(campaign_create)
    campaign_app.command("approve")(campaign_approve)
    campaign_app.command("reject")(campaign_reject)
    campaign_app.command("list")(campaign_list)
    campaign_app.command("stats")(campaign_stats)
    app.add_typer(campaign_app, name="campaign")
