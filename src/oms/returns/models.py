"""Returns: data and invariants."""
