"""Payment writes, importable from one place: ``from oms.payments.services import payment_record``.

Each service owns its transaction. Rows are locked in one order everywhere: the payment row first
(for a refund from credit, the customer's payments that have money left, by id), then invoices by
id ascending (a note together with the invoice it adjusts), then the number counter; outbox events
and audit records are written last.

Allocations are never edited or deleted: a reversal is a new negative row pointing at the one it
cancels. After every allocation change invoicing recomputes the invoice's status
(``invoice_payment_status_refresh``) in the same transaction.
"""

from oms.payments.services.payments import (
    AllocationSpec, allocation_reverse, payment_allocate, payment_charge, payment_record, payment_send,
)
from oms.payments.services.refunds import payment_refund
from oms.payments.services.webhooks import WebhookOutcome, webhook_handle

__all__ = [
    "AllocationSpec", "WebhookOutcome", "allocation_reverse", "payment_allocate", "payment_charge",
    "payment_record", "payment_refund", "payment_send", "webhook_handle",
]
