"""The HTTP API under /api/v1/: one NinjaAPI, a router per enabled module."""

from __future__ import annotations

from django.apps import apps
from ninja import NinjaAPI

from oms import __version__
from oms.core.api import router as core_router
from oms.core.apikit import JSONRenderer, TokenAuth, install_error_handlers

api = NinjaAPI(
    title="OMS API",
    version=__version__,
    description="Order management: every endpoint takes `Authorization: Bearer <token>` "
                "(create one with `oms token create USER`). Errors are "
                '`{"error": {"code", "message", "field"}}`. Create endpoints take an `Idempotency-Key` header.',
    auth=TokenAuth(),
    urls_namespace="api-v1",
    renderer=JSONRenderer(),
)
install_error_handlers(api)
api.add_router("/", core_router)

# Routers are added only for enabled modules: a disabled module has no routes (and its models,
# which these imports load, are not installed).
if apps.is_installed("oms.parties"):
    from oms.parties.api import router as parties_router

    api.add_router("/", parties_router)
if apps.is_installed("oms.catalog"):
    from oms.catalog.api import router as catalog_router

    api.add_router("/", catalog_router)
if apps.is_installed("oms.inventory"):
    from oms.inventory.api import router as inventory_router

    api.add_router("/", inventory_router)
if apps.is_installed("oms.sales"):
    from oms.sales.api import router as sales_router

    api.add_router("/", sales_router)
if apps.is_installed("oms.shipping"):
    from oms.shipping.api import router as shipping_router

    api.add_router("/", shipping_router)
if apps.is_installed("oms.invoicing"):
    from oms.invoicing.api import router as invoicing_router

    api.add_router("/", invoicing_router)
if apps.is_installed("oms.payments"):
    from oms.payments.api import router as payments_router

    api.add_router("/", payments_router)
if apps.is_installed("oms.returns"):
    from oms.returns.api import router as returns_router

    api.add_router("/", returns_router)
if apps.is_installed("oms.purchasing"):
    from oms.purchasing.api import router as purchasing_router

    api.add_router("/", purchasing_router)
if apps.is_installed("oms.trading"):
    from oms.trading.api import router as trading_router

    api.add_router("/", trading_router)
if apps.is_installed("oms.interop"):
    from oms.interop.api import router as interop_router

    api.add_router("/", interop_router)
if apps.is_installed("oms.backoffice"):
    from oms.backoffice.api import router as backoffice_router

    api.add_router("/", backoffice_router)
