"""The command line (Typer + Rich). Thin: parse, call a stage, format."""

import os

# adcraft runs offline (models come from PyPI packages, folders or the local cache): a library's
# Hub lookup must fail at once instead of retrying for a minute. Set before transformers loads.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
