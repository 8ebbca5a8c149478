"""`adcraft` entry point: one Typer app; each stage's commands live in their own module."""

from __future__ import annotations

import typer

from adcraft.cli import (
    campaign_cmd,
    check_cmd,
    data_cmd,
    generate_cmd,
    serve_cmd,
    simulate_cmd,
    train_cmd,
)
from adcraft.cli.errors import guarded

app = typer.Typer(
    name="adcraft",
    help="Write, check, serve and improve ad creatives with a fine-tuned language model.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)



@app.callback()
def _root() -> None:
    """Write, check, serve and improve ad creatives with a fine-tuned language model."""


@app.command()
def version() -> None:
    """Print adcraft's version."""
    from adcraft import __version__

    print(__version__)


for module in (generate_cmd, check_cmd, data_cmd, train_cmd, campaign_cmd, serve_cmd, simulate_cmd):
    module.register(app)


def main() -> None:
    guarded(lambda: app(standalone_mode=True))


if __name__ == "__main__":
    main()
