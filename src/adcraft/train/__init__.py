"""adcraft.train — see DESIGN.md."""
