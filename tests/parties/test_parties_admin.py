"""The back office saves through the services: same rules, and every change audited."""

import pytest

from oms.core.models import AuditRecord
from oms.parties.models import Party


def management(prefix, total=0, initial=0):
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}


PARTY = {"code": "ACME", "name": "Acme", "is_customer": "on", "currency": "EUR", "payment_terms_days": "30",
         "language": "en", "active": "on", "email": "", "phone": "", "tax_id": "", "notes": "",
         "credit_limit": "", "customer_group": ""}
ADDRESS = {"addresses-0-kind": "billing", "addresses-0-line1": "Main St 1", "addresses-0-city": "Paris",
           "addresses-0-country": "fr", "addresses-0-name": "", "addresses-0-line2": "", "addresses-0-region": "",
           "addresses-0-postal_code": ""}


@pytest.fixture
def staff(client, admin_user):
    client.force_login(admin_user)
    return client


def test_pages_render(staff, db):
    from oms.parties.services import party_create

    party = party_create(name="Acme", currency="EUR", addresses=[{"kind": "billing", "line1": "x", "city": "y",
                                                                  "country": "FR"}])
    assert staff.get("/admin/parties/party/").status_code == 200
    assert staff.get("/admin/parties/party/", {"q": "acme", "is_customer__exact": "1"}).status_code == 200
    assert staff.get("/admin/parties/party/add/").status_code == 200
    assert staff.get(f"/admin/parties/party/{party.pk}/change/").status_code == 200
    assert staff.get("/admin/parties/customergroup/add/").status_code == 200


def test_add_party_with_address_is_audited(staff):
    data = {**PARTY, **management("addresses", 1), **ADDRESS, **management("contacts")}
    response = staff.post("/admin/parties/party/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    party = Party.objects.get(code="ACME")
    assert party.addresses.get().country == "FR"
    actions = list(AuditRecord.objects.filter(object_type="parties.party", object_id=str(party.pk))
                   .order_by("id").values_list("action", flat=True))
    assert actions[0] == "party.created" and "party.updated" in actions


def test_form_shows_service_errors_next_to_the_field(staff):
    data = {**PARTY, "currency": "ZZZ", **management("addresses", 1), **ADDRESS,
            "addresses-0-country": "France", **management("contacts")}
    response = staff.post("/admin/parties/party/add/", data)
    assert response.status_code == 200
    assert "currency" in response.context["adminform"].form.errors
    assert "country" in response.context["inline_admin_formsets"][0].formset.forms[0].errors
    assert not Party.objects.exists()


def test_change_party_removes_a_deleted_address(staff, db):
    from oms.parties.services import party_create

    party = party_create(code="ACME", name="Acme", currency="EUR",
                         addresses=[{"kind": "billing", "line1": "Main St 1", "city": "Paris", "country": "FR"}])
    address = party.addresses.get()
    data = {**PARTY, "name": "Acme SA", **management("addresses", 1, 1), **ADDRESS,
            "addresses-0-id": str(address.pk), "addresses-0-party": str(party.pk), "addresses-0-DELETE": "on",
            **management("contacts")}
    response = staff.post(f"/admin/parties/party/{party.pk}/change/", data)
    assert response.status_code == 302
    party.refresh_from_db()
    assert party.name == "Acme SA" and not party.addresses.exists()
    changes = [r.changes for r in AuditRecord.objects.filter(object_id=str(party.pk), action="party.updated")]
    assert {"name": ["Acme", "Acme SA"]} in changes
    assert any("addresses" in c for c in changes)
