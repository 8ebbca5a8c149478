"""Engine, sessions and migrations for SQLite (default) and PostgreSQL with the same code.

SQLite runs in WAL mode with `synchronous=FULL`: in WAL mode NORMAL may lose the last commits on a
power cut, and the events API promises that an acknowledged event is stored; group commit
(`run_write`) shares each fsync among all the requests that arrived meanwhile. Writers in one
process take a lock before they begin, so they queue in Python instead of spinning in SQLite's
busy handler (which sleeps in coarse steps), and a deferred transaction never has to upgrade to a
write lock behind another one's back. `busy_timeout` covers writers in other processes (the CLI).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from adcraft.core import InputError
from adcraft.models.paths import adcraft_home
from adcraft.store.group_commit import AsyncGroupCommit, GroupCommitWriter, WalCheckpointer

T = TypeVar("T")
BUSY_TIMEOUT_MS = 30_000
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def default_db_url() -> str:
    return f"sqlite:///{adcraft_home() / 'adcraft.db'}"


def resolve_db_url(url: str | None) -> str:
    """`None` -> the SQLite file under ADCRAFT_HOME; a bare path -> SQLite at that path; else a URL."""
    if not url:
        return default_db_url()
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError(f"--db {url!r} is not a database URL; use sqlite:///PATH or "
                         "postgresql+psycopg://user@host/db") from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise InputError(f"--db {url!r}: only sqlite and postgresql are supported")
    return url


def sqlite_synchronous() -> str:
    """FULL unless ADCRAFT_SQLITE_SYNCHRONOUS says NORMAL (or EXTRA).

    NORMAL in WAL mode still survives a killed process (committed pages are in the OS cache), but an
    OS crash or power cut may lose the last commits, i.e. events the API already acknowledged. It
    saves one fsync per commit; choose it only where that loss is acceptable.
    """
    value = os.environ.get("ADCRAFT_SQLITE_SYNCHRONOUS", "FULL").strip().upper() or "FULL"
    if value not in ("FULL", "NORMAL", "EXTRA"):
        raise InputError(f"ADCRAFT_SQLITE_SYNCHRONOUS={value!r}: use FULL (default), EXTRA or NORMAL")
    return value


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 - DBAPI types
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={sqlite_synchronous()}")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # The group-commit writer checkpoints in the background; SQLite's own automatic checkpoint, run
    # inside a commit, stays as a safety net at 10x its default WAL size.
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str | None = None) -> Engine:
    url = resolve_db_url(url)
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
            pool_size=8, max_overflow=8,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # pre_ping turns a server restart into a fresh connection instead of an error on first use;
    # a short connect timeout makes a down server a quick 503 instead of a hung request.
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10,
                         connect_args={"connect_timeout": 3})


class Database:
    """One engine and its sessions; `write()` is a committed transaction, `read()` a plain session."""

    def __init__(self, url: str | None = None) -> None:
        self.url = resolve_db_url(url)
        self.engine = make_engine(self.url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = threading.Lock() if self.is_sqlite else None
        self._writer: GroupCommitWriter | None = None
        self._async_writer: AsyncGroupCommit | None = None
        self._checkpointer: WalCheckpointer | None = None
        self._writer_lock = threading.RLock()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session inside one transaction, committed on exit (rolled back on error)."""
        if self._write_lock is None:
            with self.sessions.begin() as session:
                yield session
            return
        with self._write_lock, self.sessions.begin() as session:
            yield session

    def run_write(self, fn: Callable[[Session], T]) -> T:
        """`fn(session)` inside a committed transaction; returns its result after the commit.

        On SQLite the work joins a group commit (see group_commit.py): `fn` must have no side effects
        outside the session, as it may run twice (the second time alone) when another unit fails.
        """
        if self._write_lock is None:
            with self.sessions.begin() as session:
                return fn(session)
        return self._group_writer().run(fn)

    async def run_write_async(self, fn: Callable[[Session], T]) -> T:
        """`run_write` for asyncio callers: awaits the group commit without holding a thread."""
        if self._write_lock is None:
            return await asyncio.to_thread(self.run_write, fn)
        if self._async_writer is None:
            self._async_writer = AsyncGroupCommit(self.sessions, self._write_lock)
            self._start_checkpointer()
        return await self._async_writer.run(fn)

    def _group_writer(self) -> GroupCommitWriter:
        if self._writer is None:
            with self._writer_lock:
                if self._writer is None:
                    self._writer = GroupCommitWriter(self.sessions, self._write_lock)
                    self._start_checkpointer()
        return self._writer

    def _start_checkpointer(self) -> None:
        with self._writer_lock:
            if self._checkpointer is None and self.engine.url.database not in (None, "", ":memory:"):
                self._checkpointer = WalCheckpointer(self.sessions)

    def upgrade(self) -> None:
        upgrade(self.engine)

    def dispose(self) -> None:
        if self._writer is not None:
            self._writer.stop()
            self._writer = None
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        self.engine.dispose()


def alembic_config(engine: Engine):  # noqa: ANN201 - alembic's Config
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the packaged Alembic migrations up to `revision` on this engine."""
    from alembic import command

    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def table_names(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())
