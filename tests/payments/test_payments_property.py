"""Property: whatever sequence of payments, allocations, reversals, notes and refunds happens, customer
credit, every payment's unallocated amount and every invoice's balance equal the exact sums, to the
smallest unit; the services accept exactly what the rules allow; the statement agrees with both."""

from decimal import Decimal as D

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from payments_kit import credit, debit, issue, status_of

from oms.core.errors import DomainError
from oms.payments.selectors import account_balance
from oms.payments.models import Payment
from oms.payments.selectors import customer_credit, customer_statement, payment_unallocated
from oms.payments.services import (
    AllocationSpec, allocation_reverse, payment_allocate, payment_record, payment_refund,
)

CENT = D("0.01")
cents = st.integers(1, 15000)
# Most amounts are a share of what the rules allow at that moment, nudged by a cent either way, so
# sequences reach the interesting states (paid invoices, credit, over-credited invoices) and probe
# each limit exactly: at it, one cent over, one cent under.
share = st.tuples(st.integers(1, 100), st.sampled_from([0, 0, 0, 1, -1]))
actions = st.one_of(
    st.tuples(st.just("pay"), cents, st.lists(st.tuples(st.integers(0, 2), share, st.booleans()), max_size=2)),
    st.tuples(st.just("allocate"), st.integers(0, 5), st.integers(0, 2), share, st.booleans()),
    st.tuples(st.just("reverse"), st.integers(0, 7)),
    st.tuples(st.just("refund"), share),
    st.tuples(st.just("credit_note"), st.integers(0, 2), share),
    st.tuples(st.just("refund_note"), st.integers(0, 3), share),
    st.tuples(st.just("debit_note"), st.integers(0, 2), cents),
)


def portion(limit: D, part) -> D:
    """``percent`` of ``limit`` in whole cents, plus ``nudge`` cents; at least one cent."""
    percent, nudge = part
    amount = (max(limit, D(0)) * percent / 100).quantize(CENT, rounding="ROUND_DOWN") + nudge * CENT
    return max(amount, CENT)


class Rollback(Exception):
    pass


class Shadow:
    """The expected state, kept with plain Decimals beside the database."""

    def __init__(self, invoices):
        self.invoices = [{"obj": inv, "total": inv.total, "debited": D(0), "credited": D(0), "allocated": D(0),
                          "debit_notes": []} for inv in invoices]
        self.payments: list[dict] = []  # obj, amount, allocated, refunded
        self.allocations: list[dict] = []  # obj, payment, invoice, amount, reversed
        self.notes: list[dict] = []  # obj, invoice, total, refunded

    def balance(self, i):
        x = self.invoices[i]
        return x["total"] + x["debited"] - x["credited"] - x["allocated"]

    def left(self, p):
        return p["amount"] - p["allocated"] - p["refunded"]

    def credit(self):
        return sum((self.left(p) for p in self.payments), D(0))

    def status(self, i):
        x, bal = self.invoices[i], self.balance(i)
        if bal <= 0:
            return "paid"
        if x["allocated"] > 0 and bal < x["total"] + x["debited"] - x["credited"]:
            return "partially_paid"
        return "issued"


def target(shadow, i, to_note):
    """The document to allocate to: invoice ``i``, or its latest debit note (same account)."""
    notes = shadow.invoices[i]["debit_notes"]
    return notes[-1] if to_note and notes else shadow.invoices[i]["obj"]


def allowed_allocations(shadow, available, pairs):
    """Whether the rules accept these (invoice index, document, amount) allocations of ``available``:
    each document once, each account (an invoice and its notes) within its balance, all within ``available``."""
    if len({doc.pk for _, doc, _ in pairs}) < len(pairs):
        return False
    per_account: dict = {}
    for i, _, amount in pairs:
        per_account[i] = per_account.get(i, D(0)) + amount
        if per_account[i] > shadow.balance(i):
            return False
    return sum((a for _, _, a in pairs), D(0)) <= available


def run(shadow, customer, action):
    """Apply an action: first yields whether the rules allow it (None: nothing to do), then runs it
    and updates the shadow (the caller compares what happened with what was allowed)."""
    kind = action[0]
    if kind == "pay":
        amount = D(action[1]) * CENT
        pairs, left = [], amount
        for i, part, to_note in action[2]:
            a = portion(min(shadow.balance(i), left), part)
            pairs.append((i, target(shadow, i, to_note), a))
            left -= a
        yield allowed_allocations(shadow, amount, pairs)
        payment = payment_record(customer=customer, amount=amount, currency="USD", method="cash",
                                 allocations=[AllocationSpec(doc, a) for _, doc, a in pairs])
        p = {"obj": payment, "amount": amount, "allocated": D(0), "refunded": D(0)}
        shadow.payments.append(p)
        for row, (i, _, a) in zip(payment.allocations.order_by("id"), pairs):
            shadow.invoices[i]["allocated"] += a
            p["allocated"] += a
            shadow.allocations.append({"obj": row, "payment": p, "invoice": i, "amount": a, "reversed": False})
    elif kind == "allocate":
        if not shadow.payments:
            yield None
            return
        p = shadow.payments[action[1] % len(shadow.payments)]
        i, doc = action[2], target(shadow, action[2], action[4])
        amount = portion(min(shadow.left(p), shadow.balance(i)), action[3])
        yield allowed_allocations(shadow, shadow.left(p), [(i, doc, amount)])
        payment_allocate(payment=p["obj"], allocations=[AllocationSpec(doc, amount)])
        row = p["obj"].allocations.order_by("-id").first()
        shadow.invoices[i]["allocated"] += amount
        p["allocated"] += amount
        shadow.allocations.append({"obj": row, "payment": p, "invoice": i, "amount": amount, "reversed": False})
    elif kind == "reverse":
        if not shadow.allocations:
            yield None
            return
        a = shadow.allocations[action[1] % len(shadow.allocations)]
        yield not a["reversed"]
        allocation_reverse(allocation=a["obj"], reason="property test")
        a["reversed"] = True
        a["payment"]["allocated"] -= a["amount"]
        shadow.invoices[a["invoice"]]["allocated"] -= a["amount"]
    elif kind == "refund":
        amount = portion(shadow.credit(), action[1])
        yield amount <= shadow.credit()
        payment_refund(customer=customer, amount=amount, currency="USD", method="bank_transfer")
        for p in shadow.payments:  # oldest first
            part = min(amount, shadow.left(p))
            p["refunded"] += part
            amount -= part
    elif kind == "credit_note":
        i = action[1]
        x = shadow.invoices[i]
        limit = x["total"] + x["debited"] - x["credited"]
        amount = portion(limit, action[2])
        yield amount <= limit
        note = credit(x["obj"], str(amount))
        x["credited"] += amount
        shadow.notes.append({"obj": note, "invoice": i, "total": amount, "refunded": D(0)})
    elif kind == "refund_note":
        if not shadow.notes:
            yield None
            return
        n = shadow.notes[action[1] % len(shadow.notes)]
        limit = min(n["total"] - n["refunded"], max(D(0), -shadow.balance(n["invoice"])))
        amount = portion(limit, action[2])
        yield amount <= limit
        payment_refund(customer=customer, amount=amount, currency="USD", method="cash", credit_note=n["obj"])
        n["refunded"] += amount
        shadow.invoices[n["invoice"]]["allocated"] -= amount
    elif kind == "debit_note":
        i, amount = action[1], D(action[2]) * CENT
        yield True
        shadow.invoices[i]["debit_notes"].append(debit(shadow.invoices[i]["obj"], str(amount)))
        shadow.invoices[i]["debited"] += amount


def check(shadow, customer):
    credit_now = customer_credit(customer, "USD").amount
    assert credit_now == shadow.credit() >= 0
    for p in shadow.payments:
        assert payment_unallocated(payment=p["obj"]) == shadow.left(p) >= 0, p["obj"].number
    balances = D(0)
    for i, x in enumerate(shadow.invoices):
        assert account_balance(x["obj"]) == shadow.balance(i), x["obj"].number
        assert status_of(x["obj"]) == shadow.status(i), x["obj"].number
        balances += shadow.balance(i)
    statement = customer_statement(customer=customer, currency="USD")
    assert statement.closing_balance == balances - credit_now
    assert Payment.objects.filter(kind="payment").count() == len(shadow.payments)


@pytest.mark.django_db
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(totals=st.lists(cents, min_size=3, max_size=3), steps=st.lists(actions, min_size=1, max_size=14))
def test_random_sequences_keep_credit_and_balances_exact(ledger, totals, steps):
    try:
        with transaction.atomic():
            customer = ledger.acme
            shadow = Shadow([issue(customer, str(D(t) * CENT)) for t in totals])
            for action in steps:
                step = run(shadow, customer, action)
                allowed = next(step)
                if allowed is None:
                    continue
                try:
                    with transaction.atomic():
                        next(step, None)
                    done = True
                except DomainError as exc:
                    done = False
                    error = exc.as_dict()
                assert done == allowed, (action, None if done else error)
                check(shadow, customer)
            raise Rollback
    except Rollback:
        pass
