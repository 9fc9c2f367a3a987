"""Purchasing writes, importable from one place: ``from oms.purchasing.services import receipt_create``.

Each service owns its transaction (see ``common`` for the lock order)."""

from oms.purchasing.services.bills import (
    BillLineSpec, supplier_bill_cancel, supplier_bill_correct, supplier_bill_create, supplier_bill_pay, supplier_bill_release,
)
from oms.purchasing.services.orders import (
    POLineSpec, purchase_order_cancel, purchase_order_close, purchase_order_create, purchase_order_send,
)
from oms.purchasing.services.receipts import receipt_create
from oms.purchasing.services.replenishment import replenishment_order, replenishment_suggest
from oms.purchasing.services.suppliers import reorder_rule_set, supplier_create, supplier_item_set

__all__ = [
    "BillLineSpec", "POLineSpec", "purchase_order_cancel", "purchase_order_close", "purchase_order_create",
    "purchase_order_send", "receipt_create", "reorder_rule_set", "replenishment_order", "replenishment_suggest",
    "supplier_bill_cancel", "supplier_bill_correct", "supplier_bill_create", "supplier_bill_pay", "supplier_bill_release",
    "supplier_create", "supplier_item_set",
]
