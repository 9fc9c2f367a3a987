"""Module manifests: what a module is called, its version and what it depends on.

Each module folder has a ``manifest.py`` with one ``MANIFEST``. The registry below lists them
explicitly (no dynamic discovery), so the set of modules a build ships is visible in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Manifest:
    name: str
    version: str
    title: str
    depends: tuple[str, ...] = field(default_factory=tuple)
    description: str = ""

    @property
    def app(self) -> str:
        return f"oms.{self.name}"
