"""Demo data of the returns module, loaded by ``oms demo`` through the module's services."""

from __future__ import annotations


def returns_demo_load() -> str:
    """Load this module's part of the demo business; returns what it did (one phrase)."""
    return "no returns demo data yet"
