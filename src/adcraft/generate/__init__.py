"""adcraft.generate — see DESIGN.md."""
