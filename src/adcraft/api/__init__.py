"""adcraft.api — see DESIGN.md."""
