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

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")
_STOP = object()


class GroupCommitWriter:
    def __init__(self, sessions: sessionmaker, lock: threading.Lock, max_group: int = 512,
                 checkpoint_every_s: float = 0.5) -> None:
        self.sessions = sessions
        self.lock = lock  # shared with Database.write(): one writer at a time in this process
        self.max_group = max_group
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="adcraft-group-commit", daemon=True)
        self._thread.start()
        self._checkpointer = threading.Thread(target=self._checkpoint_loop, args=(checkpoint_every_s,),
                                              name="adcraft-wal-checkpoint", daemon=True)
        self._checkpointer.start()

    def _checkpoint_loop(self, every_s: float) -> None:
        """Copy the WAL into the database file off the commit path (PASSIVE: never blocks writers),
        so the commits that acknowledge requests do not pay for SQLite's automatic checkpoints."""
        from sqlalchemy import text

        while not self._stopped.wait(every_s):
            try:
                with self.sessions() as session:
                    session.execute(text("PRAGMA wal_checkpoint(PASSIVE)"))
            except Exception:  # noqa: BLE001 - a missed checkpoint is retried; SQLite's own still runs
                continue

    def submit(self, fn: Callable[[Session], T]) -> Future:
        """Queue `fn`; the future resolves after the commit that includes it."""
        future: Future = Future()
        self._queue.put((fn, future))
        return future

    def run(self, fn: Callable[[Session], T]) -> T:
        return self.submit(fn).result()

    def stop(self) -> None:
        self._stopped.set()
        self._queue.put(_STOP)
        self._thread.join(timeout=5)
        self._checkpointer.join(timeout=5)

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
