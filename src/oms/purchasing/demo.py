"""Demo data of the purchasing module, loaded by ``oms demo`` through the module's services."""

from __future__ import annotations


def purchasing_demo_load() -> str:
    """Load this module's part of the demo business; returns what it did (one phrase)."""
    return "no purchasing demo data yet"
