"""Trading API under /api/v1/trading/: reference data and risk (``reference``), orders and what follows (``orders``)."""

from __future__ import annotations

from ninja import Router

from oms.trading.api.orders import router as orders_router
from oms.trading.api.reference import router as reference_router

router = Router(tags=["trading"])
router.add_router("", reference_router)
router.add_router("", orders_router)
