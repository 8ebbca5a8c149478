"""The command line (Typer + Rich). Thin: parse, call a stage, format."""
