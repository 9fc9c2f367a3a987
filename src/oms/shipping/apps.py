from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShippingConfig(AppConfig):
    name = "oms.shipping"
    label = "shipping"
    verbose_name = _("Shipping")

    def ready(self) -> None:
        # Imported here, not at the top: services import models, which need the app registry ready.
        from oms.sales.hooks import order_cancel_hook_register
        from oms.shipping.services import shipments_cancel_for_order

        # Cancelling a sales order cancels its shipments that have not left, in the same transaction.
        order_cancel_hook_register(shipments_cancel_for_order)
