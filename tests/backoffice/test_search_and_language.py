"""Global search from every page, and the per-user language."""

import pytest
from django.apps import apps

from oms.backoffice.models import UserPreference
from oms.backoffice.selectors.search import global_search
from oms.core.models import AuditRecord
from oms.sales.models import SalesOrder

pytestmark = pytest.mark.django_db


def kinds(q):
    return {(h.kind, h.exact) for h in global_search(q=q).hits}


def test_every_page_has_the_search_box_and_language_switch(demo, staff):
    for path in ("/admin/", "/admin/sales/salesorder/", "/backoffice/orders/", "/admin/parties/party/"):
        html = staff.get(path).content.decode()
        assert 'id="bo-search-q"' in html and 'id="bo-language"' in html, path


@pytest.mark.skipif(not all(apps.is_installed(f"oms.{m}") for m in ("shipping", "invoicing")),
                    reason="needs the shipping and invoicing modules")
def test_an_exact_number_opens_the_document(demo, staff):
    order = SalesOrder.objects.get(external_ref="GL-88812")
    for q in (order.number, order.number.lower(), "GL-88812", "1Z999AA10123456784"):
        response = staff.get("/backoffice/search/", {"q": q})
        assert response.status_code == 302 and response["Location"] == f"/backoffice/orders/{order.number}/", q
    invoice = order.invoices.get()
    assert staff.get("/backoffice/search/", {"q": invoice.number})["Location"] == f"/backoffice/orders/{order.number}/"


@pytest.mark.skipif(not apps.is_installed("oms.payments"), reason="payments module is not enabled")
def test_finds_payments_customers_products(demo):
    payment = apps.get_model("payments", "Payment").objects.first()
    assert ("payment", True) in kinds(payment.number)
    assert ("customer", True) in kinds("maya.putri@example.id")
    assert ("customer", False) in kinds("Greenleaf")
    assert ("product", True) in kinds("TOTE-01")
    assert ("product", True) in kinds("4006381333931")  # barcode


def test_results_page_groups_hits_and_says_when_nothing_matches(demo, staff):
    html = staff.get("/backoffice/search/", {"q": "shirt"}).content.decode()
    assert "TSHIRT-S" in html and "TSHIRT-M" in html
    assert "Nothing found" in staff.get("/backoffice/search/", {"q": "zzzz-nothing"}).content.decode()
    assert staff.get("/backoffice/search/", {"q": "x" * 5000}).status_code == 200
    assert staff.get("/backoffice/search/").status_code == 200


def test_language_choice_is_stored_and_follows_the_user(demo, staff, client, admin_user):
    response = staff.post("/backoffice/language/", {"language": "id", "next": "/backoffice/orders/"})
    assert response.status_code == 302 and response["Location"] == "/backoffice/orders/"
    assert UserPreference.objects.get(user=admin_user).language == "id"
    assert AuditRecord.objects.filter(action="user.language_set", object_id=str(admin_user.pk)).exists()
    assert "Keluar" in staff.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()  # over the browser's
    staff.logout()
    staff.force_login(admin_user)  # a new session: the choice comes from the database
    assert "Keluar" in staff.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    staff.post("/backoffice/language/", {"language": "en", "next": "https://evil.test/"})
    assert "Log out" in staff.get("/admin/", HTTP_ACCEPT_LANGUAGE="id").content.decode()


def test_unknown_language_is_not_stored(staff, admin_user):
    response = staff.post("/backoffice/language/", {"language": "xx", "next": "https://evil.test/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"  # no open redirect
    assert not UserPreference.objects.filter(user=admin_user).exclude(language="").exists()
    assert staff.get("/backoffice/language/").status_code == 405


def test_without_a_choice_the_browser_language_applies(staff):
    assert "Keluar" in staff.get("/admin/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Log out" in staff.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


@pytest.mark.skipif(not apps.is_installed("oms.purchasing"), reason="purchasing module is not enabled")
def test_finds_purchase_orders_by_number(demo, staff):
    po = apps.get_model("purchasing", "PurchaseOrder").objects.first()
    response = staff.get("/backoffice/search/", {"q": po.number})
    assert response.status_code == 302 and f"/admin/purchasing/purchaseorder/{po.pk}/" in response["Location"]
