"""Providers and webhooks: declines, timeouts, and duplicate deliveries that never record a payment twice."""

import threading
from decimal import Decimal as D

import pytest
from django.db import connection
from payments_kit import counts, issue, make_ledger, refused

from oms.core.errors import DomainError
from oms.payments.models import Payment, ProviderEvent
from oms.payments.providers import (
    ManualProvider, PaymentProvider, ProviderTimeout, TestProvider, provider_get, provider_register,
)
from oms.payments.selectors import customer_credit
from oms.payments.services import AllocationSpec, payment_charge, webhook_handle

payload = TestProvider.webhook_payload


def event(event_id="evt_1", reference="ch_1", amount="25.00", **kw):
    kw.setdefault("customer", "C001")
    kw.setdefault("currency", "USD")
    return payload(event_id=event_id, provider_reference=reference, amount=amount, **kw)


def test_providers_implement_the_interface():
    assert isinstance(ManualProvider(), PaymentProvider) and isinstance(TestProvider(), PaymentProvider)
    assert provider_get("test").name == "test"
    with pytest.raises(DomainError) as info:
        provider_get("nope")
    assert info.value.code == "not_found"
    with pytest.raises(TypeError):
        provider_register(object())


@pytest.mark.django_db
def test_duplicate_webhook_records_one_payment(ledger):
    first, again = TestProvider.deliveries(event(), times=2)
    one = webhook_handle(provider="test", payload=first)
    assert one.status == "recorded" and one.payment.status == "completed"
    assert (one.payment.provider, one.payment.provider_reference, one.payment.method) == ("test", "ch_1", "card")
    two = webhook_handle(provider="test", payload=again)
    assert two.status == "duplicate" and two.payment.pk == one.payment.pk
    assert Payment.objects.count() == 1 and ProviderEvent.objects.get().payment == one.payment
    assert customer_credit(ledger.acme, "USD").amount == D("25.00")


@pytest.mark.django_db
def test_authorised_then_succeeded_then_a_late_duplicate(ledger):
    auth = webhook_handle(provider="test", payload=event("evt_a", event_type="payment.authorised"))
    assert auth.status == "recorded" and auth.payment.status == "pending"
    assert customer_credit(ledger.acme, "USD").amount == 0  # pending money is not credit yet
    done = webhook_handle(provider="test", payload=event("evt_b"))
    assert done.status == "completed" and Payment.objects.get().status == "completed"
    # The same news under another event id changes nothing.
    assert webhook_handle(provider="test", payload=event("evt_c")).status == "ignored"
    assert webhook_handle(provider="test", payload=event("evt_b")).status == "duplicate"
    assert Payment.objects.count() == 1 and ProviderEvent.objects.count() == 3


@pytest.mark.django_db
def test_failed_payment(ledger):
    webhook_handle(provider="test", payload=event("evt_a", event_type="payment.authorised"))
    out = webhook_handle(provider="test", payload=event("evt_f", event_type="payment.failed"))
    assert out.status == "failed" and Payment.objects.get().status == "failed"
    # A failure for a payment never recorded, and an unknown event type, are acknowledged and ignored.
    assert webhook_handle(provider="test", payload=event("evt_g", reference="ch_9",
                                                         event_type="payment.failed")).status == "ignored"
    assert webhook_handle(provider="test", payload=event("evt_h", event_type="charge.dispute")).status == "ignored"
    assert Payment.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("body, code", [
    ({"id": "evt_1", "type": "payment.succeeded"}, "invalid_webhook"),
    ({"type": "payment.succeeded", "data": {"reference": "x"}}, "invalid_webhook"),
    ({"id": "evt_1", "type": "payment.succeeded", "data": {"reference": "x", "amount": 1.5}}, "invalid_webhook"),
    ({"id": "evt_1", "type": "payment.succeeded", "data": {"reference": "x"}}, "invalid_webhook"),
    (event(customer="NOPE"), "not_found"),
    (event(amount="-3"), "invalid_amount"),
    (event(currency="ZZZ"), "unknown_currency"),
    ([1, 2], "invalid_webhook"),
])
def test_a_webhook_that_cannot_be_applied_writes_nothing(ledger, body, code):
    refused(lambda: webhook_handle(provider="test", payload=body), code)


@pytest.mark.django_db
def test_a_rejected_event_is_processed_when_retried(ledger):
    body = event(customer="C404")
    refused(lambda: webhook_handle(provider="test", payload=body), "not_found")
    from payments_kit import Party

    Party.objects.create(code="C404", name="Late customer", currency="USD")
    assert webhook_handle(provider="test", payload=body).status == "recorded"


@pytest.mark.django_db
def test_the_manual_provider_has_no_webhooks(ledger):
    refused(lambda: webhook_handle(provider="manual", payload=event()), "webhooks_not_supported")


@pytest.mark.django_db
def test_charge_through_the_test_provider(ledger):
    inv = issue(ledger.acme, "40.00")
    payment = payment_charge(customer="C001", amount="40.00", currency="USD", provider="test",
                             allocations=[AllocationSpec(inv, "40.00")])
    assert payment.method == "card" and payment.provider == "test" and payment.provider_reference.startswith("test_")
    assert payment.allocations.get().amount == D("40.00")


@pytest.mark.django_db
def test_declines_and_timeouts_record_nothing(ledger):
    error = refused(lambda: payment_charge(customer="C001", amount="10.13", currency="USD", provider="test"),
                    "payment_declined")
    assert error.status == 402
    before = counts()
    with pytest.raises(ProviderTimeout) as info:
        payment_charge(customer="C001", amount="10.99", currency="USD", provider="test")
    assert info.value.code == "provider_timeout" and counts() == before
    assert payment_charge(customer="C001", amount="10.00", currency="USD", provider="manual").status == "completed"


def deliver_at_once(n: int, bodies) -> list:
    barrier = threading.Barrier(n)
    results = [None] * n

    def client(i):
        try:
            barrier.wait()
            out = webhook_handle(provider="test", payload=bodies(i))
            results[i] = (out.status, out.payment.number if out.payment else None)
        except DomainError as exc:
            results[i] = (exc.code, None)
        except Exception as exc:  # noqa: BLE001 - the test reports any other failure
            results[i] = (f"error: {exc!r}", None)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_webhooks_record_one_payment():
    ledger = make_ledger()
    body = event("evt_race", reference="ch_race", amount="99.00")
    results = deliver_at_once(12, lambda i: dict(body))
    statuses = sorted(s for s, _ in results)
    assert statuses == ["duplicate"] * 11 + ["recorded"], results
    assert len({number for _, number in results}) == 1  # every delivery names the one payment
    assert Payment.objects.count() == 1 and ProviderEvent.objects.count() == 1
    assert customer_credit(ledger.acme, "USD").amount == D("99.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_events_for_one_charge_never_record_it_twice():
    """Different event ids for the same charge, at once: one payment; the losers fail cleanly (409)
    and their events are not kept, so the provider's retry is answered normally."""
    make_ledger()
    results = deliver_at_once(8, lambda i: event(f"evt_{i}", reference="ch_same", amount="5.00"))
    assert Payment.objects.filter(provider_reference="ch_same").count() == 1
    codes = sorted(s for s, _ in results)
    assert codes.count("recorded") == 1, results
    assert set(codes) <= {"recorded", "ignored", "duplicate_provider_reference"}, results
    assert ProviderEvent.objects.count() == sum(1 for s in codes if s != "duplicate_provider_reference")
