"""Back office: the return page shows lines and timeline; actions run the services."""

from decimal import Decimal as D

import pytest
from django.urls import reverse
from kit import shipped_order
from world import level

from oms.returns.services import ReturnLineSpec, return_create

pytestmark = pytest.mark.django_db


def test_return_page_and_actions(world, client, admin_user):
    client.force_login(admin_user)
    order, lines = shipped_order(("WIDGET", "2"))
    rma = return_create(order=order, reason="defective", lines=[ReturnLineSpec(lines["WIDGET"].pk, "1")])
    page = client.get(reverse("admin:returns_return_change", args=[rma.pk])).content.decode()
    assert rma.number in page and order.number in page and "return.requested" in page and "WIDGET" in page
    assert client.get(reverse("admin:returns_return_changelist"), {"q": rma.number}).status_code == 200
    changelist = reverse("admin:returns_return_changelist")
    for action in ("approve", "receive"):
        response = client.post(changelist, {"action": action, "_selected_action": [rma.pk]}, follow=True)
        assert response.status_code == 200
    rma.refresh_from_db()
    assert rma.status == "received"
    assert level(world.widget, world.location) == (D(9), D(0))
    response = client.post(changelist, {"action": "refund", "_selected_action": [rma.pk]}, follow=True)
    assert "never invoiced" in response.content.decode()  # refused, reported with the return's name
    client.post(changelist, {"action": "close", "_selected_action": [rma.pk]}, follow=True)
    rma.refresh_from_db()
    assert rma.status == "closed" and rma.resolution == "none"
