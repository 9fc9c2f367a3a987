"""The payments back office: lists, filters, search, read-only allocations, actions through the services."""

import pytest
from payments_kit import issue, pay, status_of

from oms.payments.models import Allocation

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, admin_user):
    client.force_login(admin_user)
    return client


def test_pages_filters_and_search(staff, ledger):
    inv = issue(ledger.acme, "100.00")
    payment = pay(ledger.acme, "150.00", (inv, "100.00"), reference="BANK-77")
    page = staff.get("/admin/payments/payment/")
    assert page.status_code == 200
    assert b"50.00" in page.content  # the unallocated column
    for params in ({"method__exact": "bank_transfer"}, {"kind__exact": "payment"}, {"status__exact": "completed"},
                   {"currency__exact": "USD"}, {"q": "BANK-77"}, {"q": "C001"}, {"q": payment.number},
                   {"o": "6"}):
        response = staff.get("/admin/payments/payment/", params)
        assert response.status_code == 200, params
        assert payment.number.encode() in response.content, params
    assert payment.number.encode() not in staff.get("/admin/payments/payment/", {"q": "nothing"}).content
    detail = staff.get(f"/admin/payments/payment/{payment.pk}/change/")
    assert detail.status_code == 200 and inv.number.encode() in detail.content
    assert b"payment.allocated" in detail.content  # the timeline
    assert staff.get("/admin/payments/payment/add/").status_code == 403
    assert staff.get("/admin/payments/allocation/").status_code == 200
    assert staff.get("/admin/payments/providerevent/").status_code == 200


def test_actions_call_the_services(staff, ledger):
    inv = issue(ledger.acme, "100.00")
    payment = pay(ledger.acme, "100.00")
    response = staff.post("/admin/payments/payment/", {"action": "allocate_to_open_invoices",
                                                       "_selected_action": [payment.pk]})
    assert response.status_code == 302
    assert status_of(inv) == "paid"
    allocation = Allocation.objects.get()
    response = staff.post("/admin/payments/allocation/", {"action": "reverse", "_selected_action": [allocation.pk]})
    assert response.status_code == 302
    reversal = Allocation.objects.get(reverses=allocation)
    assert reversal.amount == -allocation.amount and "back office" in reversal.reason
    assert status_of(inv) == "issued"
    # Reversing again is refused by the service and reported, not crashed on.
    response = staff.post("/admin/payments/allocation/", {"action": "reverse", "_selected_action": [allocation.pk]},
                          follow=True)
    assert b"already reversed" in response.content
    assert Allocation.objects.count() == 2
