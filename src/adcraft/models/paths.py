"""Where adcraft keeps its files: `ADCRAFT_HOME`, default `~/.cache/adcraft`."""

from __future__ import annotations

import os
from pathlib import Path


def adcraft_home() -> Path:
    """The folder for model caches, the default database and runs; created on demand."""
    home = Path(os.environ.get("ADCRAFT_HOME") or Path.home() / ".cache" / "adcraft").expanduser()
    home.mkdir(parents=True, exist_ok=True)
    return home
