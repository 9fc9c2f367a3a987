"""Purchasing: data and invariants."""
