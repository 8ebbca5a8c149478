"""adcraft.optimize — see DESIGN.md."""
