"""adcraft.models — see DESIGN.md."""
