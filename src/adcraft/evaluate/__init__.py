"""adcraft.evaluate — see DESIGN.md."""
