from decimal import Decimal

import pytest

from oms.core.errors import Conflict, DomainError
from oms.core.models import AuditRecord, OutboxEvent
from oms.core.services.audit import audit_verify
from oms.core.services.company import company_update
from oms.parties.models import Party
from oms.parties.selectors import party_credit_limit, party_default_address, party_list, party_search
from oms.parties.services import party_create, party_deactivate, party_update

BERLIN = {"kind": "billing", "line1": "Hauptstr. 1", "city": "Berlin", "postal_code": "10115", "country": "de"}


def audits(party, action=None):
    qs = AuditRecord.objects.filter(object_type="parties.party", object_id=str(party.pk)).order_by("id")
    return list(qs.filter(action=action) if action else qs)


def test_create_allocates_code_and_takes_company_currency(db):
    company_update(base_currency="IDR", default_locale="id")
    first = party_create(name="Toko Maju")
    second = party_create(name="Toko Jaya", code="")
    assert (first.code, second.code) == ("C00001", "C00002")
    assert (first.currency, first.language) == ("IDR", "id")
    assert first.is_customer and not first.is_supplier


def test_allocated_code_skips_codes_taken_by_hand(db):
    party_create(name="Manual", code="C00001", currency="EUR")
    assert party_create(name="Auto", currency="EUR").code == "C00002"


def test_create_is_audited_and_announced(make_party):
    party = make_party(credit_limit="2500", addresses=[BERLIN])
    [record] = audits(party)
    assert record.action == "party.created"
    assert record.changes["name"] == [None, "Acme Ltd"]
    assert record.changes["credit_limit"] == [None, "2500.00"]
    assert record.changes["addresses"][1][0]["city"] == "Berlin"
    assert OutboxEvent.objects.filter(event_type="party.created", aggregate_id=str(party.pk)).exists()
    assert audit_verify().ok


def test_addresses_and_contacts(make_party):
    party = make_party(addresses=[BERLIN, {**BERLIN, "kind": "shipping", "line1": "Lager 7"},
                                  {**BERLIN, "kind": "shipping", "line1": "Lager 9", "is_default": True}],
                       contacts=[{"name": "Ann Buyer", "role": "purchasing", "email": "ann@acme.test"}])
    assert party_default_address(party=party, kind="billing").line1 == "Hauptstr. 1"
    assert party_default_address(party=party, kind="shipping").line1 == "Lager 9"
    assert party.addresses.get(line1="Hauptstr. 1").country == "DE"  # normalised to upper case
    assert party.contacts.get().email == "ann@acme.test"


def test_address_update_keeps_ids_of_rows_kept(make_party):
    party = make_party(addresses=[BERLIN, {**BERLIN, "kind": "shipping"}])
    billing = party.addresses.get(kind="billing")
    party_update(party=party, addresses=[{"id": billing.pk, **BERLIN, "city": "Potsdam"}])
    assert list(party.addresses.values_list("pk", "city")) == [(billing.pk, "Potsdam")]
    record = audits(party, "party.updated")[-1]
    assert set(record.changes) == {"addresses"}


@pytest.mark.parametrize("kwargs, field", [
    ({"email": "not-an-email"}, "email"),
    ({"currency": "EUX"}, "currency"),
    ({"name": "  "}, "name"),
    ({"payment_terms_days": -1}, "payment_terms_days"),
    ({"credit_limit": "-1"}, "credit_limit"),
    ({"credit_limit": "10.005"}, "credit_limit"),
    ({"credit_limit": 10.5}, "credit_limit"),
    ({"language": "xx"}, "language"),
    ({"is_customer": False}, "is_customer"),
    ({"customer_group": "nope"}, "customer_group"),
    ({"addresses": [{**BERLIN, "country": "Germany"}]}, "addresses.0.country"),
    ({"addresses": [{**BERLIN, "line1": ""}]}, "addresses.0.line1"),
    ({"addresses": [{**BERLIN, "kind": "home"}]}, "addresses.0.kind"),
    ({"addresses": [{**BERLIN, "is_default": True}, {**BERLIN, "is_default": True}]}, "addresses"),
    ({"contacts": [{"name": "Bob", "email": "bob@"}]}, "contacts.0.email"),
])
def test_invalid_values_are_refused_naming_the_field(make_party, kwargs, field):
    with pytest.raises(DomainError) as exc:
        make_party(**kwargs)
    assert exc.value.field == field
    assert exc.value.status == 422
    assert not Party.objects.exists()


def test_credit_limit_follows_the_currency_minor_unit(make_party):
    assert make_party(currency="JPY", credit_limit="500000").credit_limit == Decimal("500000")
    with pytest.raises(DomainError):
        make_party(currency="JPY", credit_limit="10.5")
    party = make_party(currency="KWD", credit_limit="1.125")
    assert party_credit_limit(party=party).amount == Decimal("1.125")
    assert party_credit_limit(party=make_party()) is None


def test_tax_id_is_free_text(make_party):
    assert make_party(tax_id=" DE 123/456-789 ").tax_id == "DE 123/456-789"


def test_duplicate_code_is_a_conflict(make_party):
    make_party(code="ACME")
    with pytest.raises(Conflict) as exc:
        make_party(name="Other", code="ACME")
    assert (exc.value.status, exc.value.field, exc.value.code) == (409, "code", "duplicate_code")


def test_update_audits_only_what_changed(make_party, wholesale):
    party = make_party(credit_limit="100")  # stored as 100.0000: must not read as a change
    party = party_update(party=party, phone="+49 30 1234", customer_group="wholesale", name="Acme Ltd")
    assert party.customer_group == wholesale
    record = audits(party, "party.updated")[-1]
    assert record.changes == {"phone": ["", "+49 30 1234"], "customer_group": [None, "wholesale"]}
    count = len(audits(party))
    party_update(party=party, phone="+49 30 1234")
    assert len(audits(party)) == count  # nothing changed, nothing recorded


def test_currency_change_rechecks_credit_limit(make_party):
    party = make_party(credit_limit="100.50")
    with pytest.raises(DomainError) as exc:
        party_update(party=party, currency="JPY")
    assert exc.value.field == "credit_limit"


def test_unknown_field_refused(make_party):
    with pytest.raises(DomainError) as exc:
        party_update(party=make_party(), colour="red")
    assert exc.value.field == "colour"


def test_deactivate(make_party):
    party = party_deactivate(party=make_party())
    assert not Party.objects.get(pk=party.pk).active
    party_deactivate(party=party)
    assert [r.action for r in audits(party)] == ["party.created", "party.deactivated"]


def test_custom_fields(make_party, region_field):
    party = make_party(custom={"region": "north"})
    assert party.custom == {"region": "north"}
    with pytest.raises(DomainError) as exc:
        party_update(party=party, custom={"region": "east"})
    assert exc.value.field == "custom.region"
    make_party(name="Southern", custom={"region": "south"})
    assert [p.name for p in party_list(custom={"cf_region": "south"})] == ["Southern"]


@pytest.mark.parametrize("q", ["acme", "ACME", "shop@ACME", "555-01", "de-9988", "acme berlin", "c00001"])
def test_search_by_name_email_phone_tax_id_and_code(make_party, q):
    make_party(name="ACME GmbH Berlin", email="shop@acme.test", phone="+1 555-0100", tax_id="DE-9988")
    make_party(name="Other Corp", email="info@other.test", phone="777", tax_id="FR-1")
    assert [p.name for p in party_search(q=q)] == ["ACME GmbH Berlin"]


def test_search_nothing(make_party):
    make_party()
    assert not party_search(q="zzz").exists()
