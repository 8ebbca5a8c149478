"""`adcraft serve` (the API and dashboard under uvicorn) and `adcraft db upgrade`."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from adcraft.cli.errors import guarded

DbOption = Annotated[str | None, typer.Option(
    "--db", help="database URL (postgresql+psycopg://user@host/db) or SQLite path; "
                 "default: $ADCRAFT_DB, else ADCRAFT_HOME/adcraft.db")]


def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    db: DbOption = None,
    model: Annotated[str | None, typer.Option(
        help="model for generation: HF id, local folder or training run dir; default: the packaged one",
    )] = None,
    endpoint: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint for generation")] = None,
    access_log: Annotated[bool, typer.Option(help="log every request")] = False,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "info",
) -> None:
    """Serve the JSON API (/v1, OpenAPI at /docs) and the dashboard; migrates the database first."""

    def run() -> None:
        import uvicorn

        from adcraft.api.app import create_app
        from adcraft.api.settings import Settings
        from adcraft.store.db import resolve_db_url

        # The SQLite group-commit writer thread and the event loop hand the GIL back and forth on
        # every statement; at the default 5 ms switch interval a busy loop makes the writer wait
        # up to 5 ms per statement (a convoy). 0.5 ms keeps the writer's turns short.
        sys.setswitchinterval(float(os.environ.get("ADCRAFT_SWITCH_INTERVAL_S", "0.0005")))
        db_url = resolve_db_url(db) if db else None
        settings = Settings.from_env(db_url=db_url, model=model, endpoint=endpoint)
        app = create_app(settings)
        uvicorn.run(app, host=host, port=port, access_log=access_log, log_level=log_level,
                    timeout_graceful_shutdown=5)

    guarded(run)


def upgrade(db: DbOption = None) -> None:
    """Create or migrate the database schema to the current version."""

    def run() -> None:
        import os

        from adcraft.store import Database
        from adcraft.store.db import current_revision

        database = Database(db or os.environ.get("ADCRAFT_DB"))
        database.upgrade()
        print(f"{database.engine.url.render_as_string(hide_password=True)}: at revision "
              f"{current_revision(database.engine)}")
        database.dispose()

    guarded(run)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
    db_app.command("upgrade")(upgrade)
    app.add_typer(db_app, name="db")
