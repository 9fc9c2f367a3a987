"""Import and export: data and invariants."""
