"""adcraft.data — see DESIGN.md."""
