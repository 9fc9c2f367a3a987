"""Explicit extension points of the sales order lifecycle, for modules layered above sales.

Sales may not import the modules built on it (shipping, returns, ...), yet some of their records
must follow an order's fate: cancelling an order must also cancel its shipments that have not
left. Such a module registers a plain function here from its ``AppConfig.ready()``; sales calls
every registered function inside its own transaction. The list is explicit and inspectable
(``order_cancel_hooks``), runs in registration order, and is not a Django signal: a hook that
raises refuses the whole step, and nothing of it is written.

A disabled module is not installed, its ``ready()`` never runs, so its hook is simply absent.
"""

from __future__ import annotations

from typing import Protocol

from oms.sales.models import SalesOrder


class OrderCancelHook(Protocol):
    def __call__(self, *, order: SalesOrder, reason: str) -> None: ...


# Called by ``order_cancel`` with the order row locked and already moved to cancelled, after its
# reservations are released and before its audit records and events are written.
order_cancel_hooks: list[OrderCancelHook] = []


def order_cancel_hook_register(hook: OrderCancelHook) -> None:
    """Add a hook once (``ready()`` may run more than once, e.g. in tests)."""
    if hook not in order_cancel_hooks:
        order_cancel_hooks.append(hook)


def order_cancel_hooks_run(*, order: SalesOrder, reason: str) -> None:
    for hook in tuple(order_cancel_hooks):
        hook(order=order, reason=reason)
