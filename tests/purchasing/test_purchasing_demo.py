"""The demo business buys too: suppliers with price lists, open purchase orders, a receipt that filled a
backorder, a held bill."""

import pytest
from django.urls import reverse

from oms.demo import demo_load
from oms.inventory.selectors import ledger_check, open_backorders
from oms.purchasing.models import PurchaseOrder, Receipt, SupplierBill, SupplierItem

pytestmark = pytest.mark.django_db


def test_demo_purchasing(client, admin_user):
    assert "2 suppliers with price lists" in demo_load()
    assert set(SupplierItem.objects.values_list("supplier__code", flat=True)) == {"S0001", "S0002"}
    assert sorted(PurchaseOrder.objects.values_list("supplier__code", "status")) == [
        ("S0001", "partially_received"), ("S0002", "sent")]
    (receipt,) = Receipt.objects.all()
    assert [(f["sku"], f["quantity"]) for f in receipt.backorders_filled] == [("TOTE-01", "3.0000")]
    assert SupplierBill.objects.get().status == "on_hold"
    assert open_backorders() == [] and ledger_check() == []
    client.force_login(admin_user)
    order = PurchaseOrder.objects.get(supplier__code="S0001")
    assert client.get(reverse("admin:purchasing_purchaseorder_change", args=[order.pk])).status_code == 200
