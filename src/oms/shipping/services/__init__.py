"""Shipping writes, importable from one place: ``from oms.shipping.services import shipment_ship``."""

from oms.shipping.services.labels import shipment_label_create, shipment_track
from oms.shipping.services.methods import (
    Quote, cart_value, shipping_method_create, shipping_quote, shipping_quotes, shipping_quotes_for_cart,
    shipping_quotes_for_order, shipping_zone_create,
)
from oms.shipping.services.shipments import (
    open_quantities, shipment_cancel, shipment_create, shipment_deliver, shipment_pack, shipment_ship,
    shipments_cancel_for_order,
)

__all__ = [
    "Quote", "cart_value", "open_quantities", "shipment_cancel", "shipment_create", "shipment_deliver",
    "shipment_label_create", "shipment_pack", "shipment_ship", "shipment_track", "shipments_cancel_for_order",
    "shipping_method_create", "shipping_quote", "shipping_quotes", "shipping_quotes_for_cart", "shipping_quotes_for_order",
    "shipping_zone_create",
]
