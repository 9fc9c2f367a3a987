"""Back office writes: an operator's preferences, and the work page's one-click steps (each one transaction over
the owning modules' services)."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import transaction

from oms.backoffice.models import UserPreference
from oms.core.errors import DomainError
from oms.core.services.audit import audit_record
from oms.sales.models import SalesOrder

if apps.is_installed("oms.shipping"):
    from oms.shipping.services import shipment_create, shipment_ship
if apps.is_installed("oms.invoicing"):
    from oms.invoicing.services import invoice_create_from_order
if apps.is_installed("oms.payments"):
    from oms.payments.services import AllocationSpec, payment_record


def preference_language_set(*, user, language: str) -> UserPreference:
    """Remember the back-office language of ``user`` ("" = follow the browser)."""
    if language and language not in dict(settings.LANGUAGES):
        raise DomainError(f"language must be one of {sorted(dict(settings.LANGUAGES))}", field="language",
                          code="unknown_language")
    with transaction.atomic():
        pref, _ = UserPreference.objects.select_for_update().get_or_create(user=user)
        before = pref.language
        if before != language:
            pref.language = language
            pref.save(update_fields=["language", "updated_at"])
            audit_record(action="user.language_set", object_type="auth.user", object_id=user.pk,
                         changes={"language": [before, language]})
    return pref


# ---- one-click steps of the order work page: each is one transaction over the modules' services ----

def order_ship_open(*, order: SalesOrder, carrier: str = "", tracking_number: str = ""):
    """Ship everything still open on the order in one shipment (created and shipped together, or neither)."""
    with transaction.atomic():
        shipment = shipment_create(order=order, carrier=carrier.strip(), tracking_number=tracking_number.strip())
        return shipment_ship(shipment=shipment)


def order_invoice(*, order: SalesOrder):
    """Invoice what is left to invoice on the order, and issue the invoice (numbered), in one transaction."""
    return invoice_create_from_order(order=order, issue=True)


def order_invoice_pay(*, invoice, amount: object, method: str, reference: str = ""):
    """Record a payment from the invoice's customer, applied to that invoice."""
    if amount in (None, ""):
        raise DomainError("amount is required", field="amount", code="required")
    return payment_record(customer=invoice.customer, amount=amount, currency=invoice.currency, method=method,
                          reference=reference, allocations=[AllocationSpec(invoice=invoice, amount=amount)])
