"""Back office: data and invariants."""
