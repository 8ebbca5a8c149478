"""Turn a user's mistake into one clear line on stderr and exit code 2 — never a traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import NoReturn, TypeVar

from pydantic import ValidationError
from rich.console import Console

from adcraft.core.errors import InputError

T = TypeVar("T")
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def validation_message(error: ValidationError, what: str = "input") -> str:
    """One line from a pydantic error: which field, what is wrong."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item.get("loc", ())) or what
        msg = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{where}: {msg}")
    return f"invalid {what}: " + "; ".join(parts)


def fail(message: str, code: int = 2) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", markup=True)
    raise SystemExit(code)


def guarded(fn: Callable[[], T]) -> T:
    """Run `fn`; user errors end in one message and exit code 2."""
    try:
        return fn()
    except InputError as exc:
        fail(str(exc))
    except ValidationError as exc:
        fail(validation_message(exc))
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
