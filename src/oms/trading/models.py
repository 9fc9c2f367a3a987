"""Trading: data and invariants."""
