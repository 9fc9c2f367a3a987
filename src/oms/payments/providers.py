"""Payment providers: one interface, a manual provider, and a test provider that misbehaves on purpose.

A provider authorises, captures and refunds card-style payments and turns its webhook payloads into
``WebhookEvent`` values. Calls to a provider happen outside any database transaction (a slow
provider must not hold row locks); what they return is then recorded by the services.

Webhook authenticity is NOT verified yet: the webhook route has no token auth, so anyone who can
reach it can post an event. A real provider must check its signature header in ``parse_webhook``
(raising ``WebhookRejected``) before such a provider is enabled in production. Duplicate
deliveries are harmless: ``webhook_handle`` records each (provider, event id) once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, runtime_checkable

from oms.core.errors import DomainError, NotFound
from oms.core.money import Money, to_decimal


class ProviderDeclined(DomainError):
    code = "payment_declined"
    status = 402


class ProviderTimeout(DomainError):
    """The provider did not answer in time: the outcome is unknown, so nothing is recorded; the
    provider's webhook (or a retry with the same reference) settles it."""

    code = "provider_timeout"
    status = 504


class WebhookRejected(DomainError):
    code = "invalid_webhook"
    status = 400


@dataclass(frozen=True)
class ProviderResult:
    approved: bool
    provider_reference: str
    message: str = ""


# Event types a webhook can carry; anything else is acknowledged and ignored.
SUCCEEDED = "payment.succeeded"
AUTHORISED = "payment.authorised"
FAILED = "payment.failed"


@dataclass(frozen=True)
class WebhookEvent:
    event_id: str
    event_type: str
    provider_reference: str
    customer: str = ""
    amount: Decimal | None = None
    currency: str = ""
    method: str = "card"
    reference: str = ""


@runtime_checkable
class PaymentProvider(Protocol):
    name: str

    def authorise(self, *, amount: Money, reference: str) -> ProviderResult: ...

    def capture(self, *, provider_reference: str, amount: Money) -> ProviderResult: ...

    def refund(self, *, provider_reference: str, amount: Money) -> ProviderResult: ...

    def parse_webhook(self, *, payload: dict, headers: dict | None = None) -> WebhookEvent: ...


def _text(payload: dict, name: str, *, required: bool = True, max_length: int = 100) -> str:
    value = payload.get(name, "")
    if not isinstance(value, str) or (required and not value) or len(value) > max_length:
        raise WebhookRejected(f"{name} must be a string of 1 to {max_length} characters", field=name)
    return value


def parse_generic_webhook(payload: dict) -> WebhookEvent:
    """The JSON shape the built-in providers use:

    ``{"id": "evt_1", "type": "payment.succeeded", "data": {"reference": "ch_1", "customer": "C001",
    "amount": "10.00", "currency": "USD", "method": "card", "order_reference": "..."}}``
    """
    if not isinstance(payload, dict):
        raise WebhookRejected("The webhook body must be a JSON object", field="body")
    data = payload.get("data")
    if not isinstance(data, dict):
        raise WebhookRejected("data must be an object", field="data")
    event_type = _text(payload, "type", max_length=50)
    amount = None
    if data.get("amount") is not None:
        if isinstance(data["amount"], float):
            raise WebhookRejected("data.amount must be a decimal string, not a float", field="data.amount")
        amount = to_decimal(data["amount"], field="data.amount")
    return WebhookEvent(event_id=_text(payload, "id"), event_type=event_type,
                        provider_reference=_text(data, "reference"),
                        customer=_text(data, "customer", required=False, max_length=50),
                        amount=amount, currency=_text(data, "currency", required=False, max_length=3),
                        method=_text(data, "method", required=False, max_length=15) or "card",
                        reference=_text(data, "order_reference", required=False))


class ManualProvider:
    """Money taken outside any system (bank transfer, cash, a card terminal): always approved."""

    name = "manual"

    def authorise(self, *, amount: Money, reference: str) -> ProviderResult:
        return ProviderResult(True, f"manual-{uuid.uuid4().hex[:16]}")

    def capture(self, *, provider_reference: str, amount: Money) -> ProviderResult:
        return ProviderResult(True, provider_reference)

    def refund(self, *, provider_reference: str, amount: Money) -> ProviderResult:
        return ProviderResult(True, f"manual-refund-{uuid.uuid4().hex[:16]}")

    def parse_webhook(self, *, payload: dict, headers: dict | None = None) -> WebhookEvent:
        raise WebhookRejected("The manual provider sends no webhooks", field="provider", code="webhooks_not_supported")


class TestProvider:
    """A provider for tests and demos that simulates what real ones do wrong.

    * an amount whose cents are ``.13`` is declined;
    * an amount whose cents are ``.99`` times out (``ProviderTimeout``) on authorise, capture or refund;
    * ``webhook_payload`` builds an event and ``deliveries`` repeats it, as providers redeliver.
    """

    __test__ = False  # not a pytest test class
    name = "test"

    @staticmethod
    def _cents(amount: Money) -> Decimal:
        return (abs(amount.amount) * 100) % 100

    def _check(self, amount: Money, reference: str) -> ProviderResult:
        cents = self._cents(amount)
        if cents == 99:
            raise ProviderTimeout("The test provider timed out (amounts ending in .99 do)", field="amount")
        if cents == 13:
            return ProviderResult(False, reference, "declined: amounts ending in .13 are declined")
        return ProviderResult(True, reference)

    def authorise(self, *, amount: Money, reference: str) -> ProviderResult:
        return self._check(amount, f"test_{uuid.uuid4().hex[:16]}")

    def capture(self, *, provider_reference: str, amount: Money) -> ProviderResult:
        return self._check(amount, provider_reference)

    def refund(self, *, provider_reference: str, amount: Money) -> ProviderResult:
        return self._check(amount, f"test_re_{uuid.uuid4().hex[:16]}")

    def parse_webhook(self, *, payload: dict, headers: dict | None = None) -> WebhookEvent:
        return parse_generic_webhook(payload)

    @staticmethod
    def webhook_payload(*, event_id: str, provider_reference: str, amount: str, currency: str, customer: str,
                        event_type: str = SUCCEEDED, method: str = "card", order_reference: str = "") -> dict:
        return {"id": event_id, "type": event_type,
                "data": {"reference": provider_reference, "customer": customer, "amount": amount,
                         "currency": currency, "method": method, "order_reference": order_reference}}

    @staticmethod
    def deliveries(payload: dict, times: int = 2) -> list[dict]:
        """The same event delivered ``times`` times (providers retry until they get a 2xx)."""
        return [dict(payload) for _ in range(times)]


PROVIDERS: dict[str, PaymentProvider] = {p.name: p for p in (ManualProvider(), TestProvider())}


def provider_get(name: str) -> PaymentProvider:
    provider = PROVIDERS.get(name)
    if provider is None:
        raise NotFound(f"No payment provider {name!r}; known: {sorted(PROVIDERS)}", field="provider")
    return provider


def provider_register(provider: PaymentProvider) -> None:
    """Make a provider available by its name (e.g. from an integration's AppConfig.ready)."""
    if not isinstance(provider, PaymentProvider):
        raise TypeError(f"{provider!r} does not implement PaymentProvider")
    PROVIDERS[provider.name] = provider
