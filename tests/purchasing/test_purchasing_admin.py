"""Back office: purchase orders and bills show their lines and timeline; actions run the services."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse
from purchasing_kit import line_of, sent_order

from oms.purchasing.models import PurchaseOrder, SupplierBill
from oms.purchasing.services import (
    BillLineSpec, POLineSpec, purchase_order_create, receipt_create, supplier_bill_create,
)

pytestmark = pytest.mark.django_db


def test_order_pages_and_actions(buying, client, admin_user):
    client.force_login(admin_user)
    draft = purchase_order_create(supplier="S001", lines=[POLineSpec(sku="WIDGET", quantity="10")])
    page = client.get(reverse("admin:purchasing_purchaseorder_change", args=[draft.pk])).content.decode()
    assert draft.number in page and "purchase_order.created" in page and "P-W" in page
    changelist = reverse("admin:purchasing_purchaseorder_changelist")
    client.post(changelist, {"action": "send", "_selected_action": [draft.pk]}, follow=True)
    client.post(changelist, {"action": "receive_all", "_selected_action": [draft.pk]}, follow=True)
    assert PurchaseOrder.objects.get(pk=draft.pk).status == "received"
    refused = client.post(changelist, {"action": "cancel", "_selected_action": [draft.pk]}, follow=True)
    assert "cannot go from" in refused.content.decode()
    for name in ("receipt", "supplieritem", "reorderrule", "productcost", "supplierbill"):
        assert client.get(reverse(f"admin:purchasing_{name}_changelist")).status_code == 200


def test_bill_pages_release_and_pay(buying, client, admin_user):
    client.force_login(admin_user)
    order = sent_order([("WIDGET", "10")])
    receipt_create(order=order)
    bill = supplier_bill_create(order=order, supplier_reference="INV-9", bill_date=date(2026, 11, 1),
                                lines=[BillLineSpec(line_of(order, "WIDGET").pk, "10", "4.50")])
    page = client.get(reverse("admin:purchasing_supplierbill_change", args=[bill.pk])).content.decode()
    assert "supplier_bill.held" in page and "INV-9" in page
    changelist = reverse("admin:purchasing_supplierbill_changelist")
    refused = client.post(changelist, {"action": "pay_by_transfer", "_selected_action": [bill.pk]}, follow=True)
    assert "cannot be paid" in refused.content.decode()
    client.post(changelist, {"action": "release", "_selected_action": [bill.pk]}, follow=True)
    client.post(changelist, {"action": "pay_by_transfer", "_selected_action": [bill.pk]}, follow=True)
    bill = SupplierBill.objects.get(pk=bill.pk)
    assert (bill.status, bill.amount_paid) == ("paid", D("45.00"))
    assert PurchaseOrder.objects.get(pk=order.pk).status == "closed"
