"""Demo data of the trading module, loaded by ``oms demo`` through the module's services."""

from __future__ import annotations


def trading_demo_load() -> str:
    """Load this module's part of the demo business; returns what it did (one phrase)."""
    return "no trading demo data yet"
