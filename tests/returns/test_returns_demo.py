"""The demo business has a return, received into stock and refunded, loaded through the services."""

import pytest
from django.core.management import call_command

from oms.demo import demo_load
from oms.inventory.models import StockMove
from oms.inventory.selectors import ledger_check
from oms.invoicing.selectors import invoice_balance
from oms.returns.models import Return

pytestmark = pytest.mark.django_db


def test_demo_has_a_refunded_return():
    assert "1 return (received back into stock and refunded)" in demo_load()
    (rma,) = Return.objects.all()
    assert rma.status == "closed" and rma.resolution == "refund" and rma.order.channel == "pos"
    (settlement,) = rma.settlements.all()
    assert settlement.refund is not None and settlement.refund.amount == settlement.credit_note.total
    assert invoice_balance(settlement.credit_note.original) == 0
    assert rma.lines.get().quantity_restocked == 1
    assert StockMove.objects.get(reference=rma.stock_reference).location.kind == "stock"
    assert ledger_check() == []
    call_command("audit", "verify")
