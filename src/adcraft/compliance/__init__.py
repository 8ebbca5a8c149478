"""adcraft.compliance — see DESIGN.md."""
