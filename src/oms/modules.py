"""The module registry: which modules exist, which are enabled, and whether that set is whole.

Enabled modules come from ``OMS_MODULES`` (comma separated, or ``all``); ``core`` is always on.
A module whose dependency is off stops start-up with one line naming both.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from oms.backoffice.manifest import MANIFEST as BACKOFFICE
from oms.catalog.manifest import MANIFEST as CATALOG
from oms.core.manifest import MANIFEST as CORE
from oms.interop.manifest import MANIFEST as INTEROP
from oms.inventory.manifest import MANIFEST as INVENTORY
from oms.invoicing.manifest import MANIFEST as INVOICING
from oms.parties.manifest import MANIFEST as PARTIES
from oms.payments.manifest import MANIFEST as PAYMENTS
from oms.purchasing.manifest import MANIFEST as PURCHASING
from oms.returns.manifest import MANIFEST as RETURNS
from oms.sales.manifest import MANIFEST as SALES
from oms.shipping.manifest import MANIFEST as SHIPPING
from oms.trading.manifest import MANIFEST as TRADING
from oms.manifest import Manifest

# Dependency order: a module comes after everything it depends on.
REGISTRY: dict[str, Manifest] = {m.name: m for m in (CORE, PARTIES, CATALOG, INVENTORY, SALES, SHIPPING, INVOICING,
                                                    PAYMENTS, RETURNS, PURCHASING, TRADING, INTEROP, BACKOFFICE)}


class ModuleDependencyError(ImproperlyConfigured):
    pass


def parse_enabled(raw: str | None) -> list[str]:
    """Turn an ``OMS_MODULES`` value into the ordered list of enabled module names."""
    if raw is None or raw.strip() in ("", "all"):
        return list(REGISTRY)
    wanted = {name.strip() for name in raw.split(",") if name.strip()}
    unknown = sorted(wanted - set(REGISTRY))
    if unknown:
        raise ModuleDependencyError(
            f"OMS_MODULES names unknown module(s): {', '.join(unknown)}; known: {', '.join(REGISTRY)}"
        )
    wanted.add("core")
    return [name for name in REGISTRY if name in wanted]


def check_dependencies(enabled: list[str]) -> None:
    for name in enabled:
        for dep in REGISTRY[name].depends:
            if dep not in enabled:
                raise ModuleDependencyError(
                    f"Module '{name}' depends on module '{dep}', which is not enabled: "
                    f"add '{dep}' to OMS_MODULES or remove '{name}'"
                )


def enabled_modules(raw: str | None = None) -> list[str]:
    names = parse_enabled(os.environ.get("OMS_MODULES") if raw is None else raw)
    check_dependencies(names)
    return names
