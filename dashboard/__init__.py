"""cadresim training dashboard (Dash)."""
