"""Group commit for SQLite: many writers' transactions share one COMMIT (and so one fsync).

With `synchronous=FULL` every COMMIT waits for the disk; one fsync per request caps a busy
service at the disk's fsync rate and puts every fsync stall into the tail latency. Here callers
hand a unit of work (`fn(session) -> result`) to one writer thread and block; the thread takes all
the work that queued up while the previous commit was on disk, runs it in one transaction, commits
once, and only then answers every caller. An acknowledgement still means "on disk".

If one unit raises, the group is rolled back and its units are run again one by one, so only the
failing caller sees the error. Units must therefore touch nothing but the session (no side effects
before the commit) — callers update in-memory state after `run` returns.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")
_STOP = object()


class WalCheckpointer:
    """Copies the WAL into the database file off the commit path (PASSIVE: never blocks writers),
    so the commits that acknowledge requests do not pay for SQLite's automatic checkpoints."""

    def __init__(self, sessions: sessionmaker, every_s: float = 0.5) -> None:
        self.sessions = sessions
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, args=(every_s,), name="adcraft-wal-checkpoint",
                                        daemon=True)
        self._thread.start()

    def _loop(self, every_s: float) -> None:
        from sqlalchemy import text

        while not self._stopped.wait(every_s):
            try:
                with self.sessions() as session:
                    session.execute(text("PRAGMA wal_checkpoint(PASSIVE)"))
            except Exception:  # noqa: BLE001 - a missed checkpoint is retried; SQLite's own still runs
                continue

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)


class GroupCommitWriter:
    """Group commit for threads: a writer thread runs the units and commits."""

    def __init__(self, sessions: sessionmaker, lock: threading.Lock, max_group: int = 512) -> None:
        self.sessions = sessions
        self.lock = lock  # shared with Database.write(): one writer at a time in this process
        self.max_group = max_group
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="adcraft-group-commit", daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[[Session], T]) -> Future:
        """Queue `fn`; the future resolves after the commit that includes it."""
        future: Future = Future()
        self._queue.put((fn, future))
        return future

    def run(self, fn: Callable[[Session], T]) -> T:
        return self.submit(fn).result()

    def stop(self) -> None:
        self._queue.put(_STOP)
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            group = [item]
            while len(group) < self.max_group:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    self._commit(group)
                    return
                group.append(nxt)
            self._commit(group)

    def _commit(self, group: list[tuple[Callable[[Session], Any], Future]]) -> None:
        results = []
        try:
            with self.lock, self.sessions.begin() as session:
                for fn, _ in group:
                    results.append(fn(session))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, never lost
            if len(group) == 1:
                group[0][1].set_exception(exc)
                return
            for unit in group:
                self._commit([unit])
            return
        for (_, future), result in zip(group, results, strict=True):
            future.set_result(result)


class AsyncGroupCommit:
    """Group commit for asyncio callers: the units run on the event loop's own thread (each takes a
    fraction of a millisecond), only the COMMIT goes to a worker thread, and the loop keeps taking
    requests while the disk syncs. Running the units in the loop thread, rather than in a writer
    thread, saves a GIL hand-over per SQL statement: under load those hand-overs queue behind the
    busy loop and cost far more than the statements.
    """

    def __init__(self, sessions: sessionmaker, lock: threading.Lock, max_group: int = 512) -> None:
        self.sessions = sessions
        self.lock = lock
        self.max_group = max_group
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue | None = None

    async def run(self, fn: Callable[[Session], T]) -> T:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # first use, or a new event loop (tests start several)
            self._loop, self._queue = loop, asyncio.Queue()
            loop.create_task(self._drain(self._queue))
        future = loop.create_future()
        self._queue.put_nowait((fn, future))
        return await future

    async def _drain(self, units: asyncio.Queue) -> None:
        while True:
            group = [await units.get()]
            while len(group) < self.max_group and not units.empty():
                group.append(units.get_nowait())
            try:
                await self._commit(group)
            except Exception as exc:  # noqa: BLE001 - never let the drain task die with callers waiting
                for _, future in group:
                    if not future.done():
                        future.set_exception(exc)

    async def _commit(self, group: list[tuple[Callable[[Session], Any], asyncio.Future]]) -> None:
        if not self.lock.acquire(blocking=False):  # a thread's Database.write() holds it: wait off-loop
            await asyncio.to_thread(self.lock.acquire)
        failure: Exception | None = None
        results: list[Any] = []
        try:
            session = self.sessions()
            try:
                session.begin()
                results = [fn(session) for fn, _ in group]
                await asyncio.to_thread(session.commit)
            except Exception as exc:  # noqa: BLE001 - handed to the caller(s) below
                failure = exc
                session.rollback()
            finally:
                session.close()
        finally:
            self.lock.release()
        if failure is None:
            for (_, future), result in zip(group, results, strict=True):
                if not future.done():
                    future.set_result(result)
        elif len(group) == 1:
            if not group[0][1].done():
                group[0][1].set_exception(failure)
        else:
            for unit in group:
                await self._commit([unit])
