"""Placeholder: commands of this module are registered by its owner."""

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
