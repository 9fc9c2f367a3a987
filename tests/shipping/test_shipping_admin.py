"""Back office: the shipment page shows lines and timeline; actions run the services."""

from decimal import Decimal as D

import pytest
from django.urls import reverse
from world import level

from oms.inventory.selectors import ledger_check
from oms.sales.lines import LineSpec
from oms.sales.services import OrderSpec, order_create
from oms.shipping.models import ShippingMethod
from oms.shipping.services import shipment_create, shipping_method_create

pytestmark = pytest.mark.django_db


def test_shipment_page_and_ship_action(world, client, admin_user):
    client.force_login(admin_user)
    order = order_create(spec=OrderSpec(customer="C001", lines=[LineSpec(sku="WIDGET", quantity="2")]), confirm=True)
    shipment = shipment_create(order=order, carrier="DHL")
    page = client.get(reverse("admin:shipping_shipment_change", args=[shipment.pk])).content.decode()
    assert order.number in page and "shipment.created" in page and "WIDGET" in page
    response = client.post(reverse("admin:shipping_shipment_changelist"),
                           {"action": "ship", "_selected_action": [shipment.pk]}, follow=True)
    assert response.status_code == 200
    shipment.refresh_from_db()
    assert shipment.status == "shipped" and shipment.number.startswith("SH-")
    assert level(world.widget, world.location) == (D(8), D(0))
    response = client.post(reverse("admin:shipping_shipment_changelist"),
                           {"action": "cancel", "_selected_action": [shipment.pk]}, follow=True)
    assert "cannot go from" in response.content.decode()
    assert ledger_check() == []


def test_shipping_method_pages(world, client, admin_user):
    client.force_login(admin_user)
    method = shipping_method_create(code="PARCEL", name="Parcel", currency="USD", kind="weight_band",
                                    bands=[("1", "4")])
    assert client.get(reverse("admin:shipping_shippingmethod_change", args=[method.pk])).status_code == 200
    assert client.get(reverse("admin:shipping_shippingmethod_add")).status_code == 200
    assert ShippingMethod.objects.count() == 1
