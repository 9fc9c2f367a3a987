"""Provider webhooks: each event recorded once, in the same transaction as the payment it records."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from oms.payments.models import Payment, ProviderEvent
from oms.payments.providers import AUTHORISED, FAILED, SUCCEEDED, WebhookEvent, WebhookRejected, provider_get
from oms.payments.services.common import Effects, payment_json
from oms.payments.services.payments import payment_record


@dataclass(frozen=True)
class WebhookOutcome:
    status: str  # recorded, completed, failed, duplicate, ignored
    event_id: str
    payment: Payment | None = None


def _claim(provider: str, event: WebhookEvent, payload: dict) -> ProviderEvent | None:
    """Insert the event's row, or None when it is already there. A concurrent twin blocks on the
    unique (provider, event_id) index until the first transaction ends, then fails here."""
    try:
        with transaction.atomic():
            return ProviderEvent.objects.create(provider=provider, event_id=event.event_id,
                                                event_type=event.event_type, payload=payload)
    except IntegrityError:
        return None


def webhook_handle(*, provider: str, payload: dict, headers: dict | None = None) -> WebhookOutcome:
    """Apply what a provider's webhook says, exactly once per (provider, event id).

    The event row and the payment it records (or completes, or fails) are written in one
    transaction, so a duplicate delivery, even a concurrent one, never records a payment twice: it
    answers ``duplicate`` with the payment the first delivery recorded. An event that cannot be
    applied (unknown customer, bad amount) rolls back whole, its event row included, so the
    provider's next retry is processed again. Signatures are not verified yet (see providers.py).
    """
    gateway = provider_get(provider)
    event = gateway.parse_webhook(payload=payload, headers=headers)
    with transaction.atomic():
        row = _claim(gateway.name, event, payload)
        if row is None:
            first = ProviderEvent.objects.select_related("payment").get(provider=gateway.name, event_id=event.event_id)
            return WebhookOutcome("duplicate", event.event_id, first.payment)
        status, payment = _apply(gateway.name, event)
        if payment is not None:
            ProviderEvent.objects.filter(pk=row.pk).update(payment=payment)
    return WebhookOutcome(status, event.event_id, payment)


def _apply(provider: str, event: WebhookEvent) -> tuple[str, Payment | None]:
    if event.event_type not in (SUCCEEDED, AUTHORISED, FAILED):
        return "ignored", None
    existing = (Payment.objects.select_for_update(of=("self",)).select_related("customer")
                .filter(provider=provider, provider_reference=event.provider_reference).first())
    if existing is not None:
        to = {SUCCEEDED: Payment.Status.COMPLETED, FAILED: Payment.Status.FAILED}.get(event.event_type)
        if to is None or existing.status != Payment.Status.PENDING:
            return "ignored", existing  # e.g. "succeeded" for a payment already recorded as completed
        existing.status = to
        existing.save(update_fields=["status"])
        action = "payment.recorded" if to == Payment.Status.COMPLETED else "payment.failed"
        changes = {**payment_json(existing), "status": [Payment.Status.PENDING, to], "event": event.event_id}
        effects = Effects()
        effects.event(action, changes)
        effects.audit(action, changes)
        effects.flush(existing)
        return ("completed" if to == Payment.Status.COMPLETED else "failed"), existing
    if event.event_type == FAILED:
        return "ignored", None  # a payment we never recorded failed: nothing to do
    if event.amount is None or not event.currency or not event.customer:
        raise WebhookRejected("A payment event needs data.customer, data.amount and data.currency", field="data")
    status = Payment.Status.COMPLETED if event.event_type == SUCCEEDED else Payment.Status.PENDING
    method = event.method if event.method in Payment.Method.values else Payment.Method.CARD
    payment = payment_record(customer=event.customer, amount=event.amount, currency=event.currency, method=method,
                             reference=event.reference, provider=provider,
                             provider_reference=event.provider_reference, status=status)
    return "recorded", payment
