"""cadresim."""
