"""adcraft.store — see DESIGN.md."""
