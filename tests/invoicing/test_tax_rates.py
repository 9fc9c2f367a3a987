"""Tax rates: the seeded rates, the rate in force on a date for a jurisdiction, explicit rates,
overlaps refused, and invoices taxed by the rate of their issue date."""

from datetime import date
from decimal import Decimal as D

import pytest
from inv_helpers import hand_invoice

from oms.catalog.models import TaxCategory
from oms.core.errors import Conflict, DomainError
from oms.invoicing.models import TaxRate
from oms.invoicing.selectors import tax_rate_for, tax_rates_for
from oms.invoicing.services import LineSpec, invoice_issue, tax_rate_create, tax_rate_update

pytestmark = pytest.mark.django_db


def test_seeded_rates_and_categories():
    ppn = TaxCategory.objects.get(code="ppn")
    assert {(r.code, r.jurisdiction, r.rate, r.valid_from, r.valid_to) for r in ppn.rates.all()} == {
        ("ppn-11", "ID", D("11"), date(2022, 4, 1), date(2024, 12, 31)),
        ("ppn-12", "ID", D("12"), date(2025, 1, 1), None)}
    vat = TaxRate.objects.get(code="vat-20")
    assert (vat.category.code, vat.jurisdiction, vat.rate, vat.valid_from, vat.valid_to) == ("vat-std", "", D("20"),
                                                                                             None, None)


def test_ppn_is_11_percent_on_the_last_day_of_2024_and_12_percent_from_2025(rates):
    assert tax_rate_for(category=rates.ppn, jurisdiction="ID", on_date=date(2024, 12, 31)) == rates.ppn11
    assert tax_rate_for(category=rates.ppn, jurisdiction="ID", on_date=date(2025, 1, 1)) == rates.ppn12
    assert tax_rate_for(category=rates.ppn, jurisdiction="id", on_date=date(2030, 6, 1)) == rates.ppn12


def test_no_rate_for_the_jurisdiction_or_date_is_a_clear_error(rates):
    with pytest.raises(DomainError) as exc:
        tax_rate_for(category=rates.ppn, jurisdiction="US", on_date=date(2025, 1, 1))
    assert (exc.value.code, exc.value.status) == ("no_tax_rate", 422)
    with pytest.raises(DomainError) as exc:
        tax_rate_for(category=rates.ppn, jurisdiction="ID", on_date=date(2020, 1, 1))
    assert exc.value.code == "no_tax_rate"


def test_jurisdiction_falls_back_to_the_country_then_to_anywhere(rates):
    assert tax_rate_for(category=rates.vat, jurisdiction="FR", on_date=date(2025, 1, 1)) == rates.vat20
    region = tax_rate_create(code="vat-cor", name="Corsica 10%", category="vat-std", jurisdiction="FR-COR", rate="10")
    country = tax_rate_create(code="vat-fr", name="France 20%", category="vat-std", jurisdiction="FR", rate="20")
    assert tax_rate_for(category=rates.vat, jurisdiction="FR-COR", on_date=date(2025, 1, 1)) == region
    assert tax_rate_for(category=rates.vat, jurisdiction="FR-IDF", on_date=date(2025, 1, 1)) == country
    assert tax_rate_for(category=rates.vat, jurisdiction="DE", on_date=date(2025, 1, 1)) == rates.vat20


def test_a_category_can_carry_vat_and_a_withholding_tax(rates):
    found = tax_rates_for(category=rates.services, jurisdiction="ID", on_date=date(2025, 3, 1))
    assert found == [rates.ppn_services, rates.pph23]
    assert tax_rate_for(category=rates.services, jurisdiction="ID", on_date=date(2025, 3, 1)) == rates.ppn_services


def test_overlapping_rates_are_refused_and_closing_one_makes_room(rates):
    with pytest.raises(Conflict) as exc:
        tax_rate_create(code="ppn-13", name="PPN 13%", category="ppn", jurisdiction="ID", rate="13",
                        valid_from=date(2027, 1, 1))
    assert exc.value.code == "overlapping_tax_rate"
    tax_rate_update(rate=rates.ppn12, valid_to=date(2026, 12, 31))
    ppn13 = tax_rate_create(code="ppn-13", name="PPN 13%", category="ppn", jurisdiction="ID", rate="13",
                            valid_from=date(2027, 1, 1))
    assert tax_rate_for(category=rates.ppn, jurisdiction="ID", on_date=date(2027, 1, 1)) == ppn13
    assert tax_rate_for(category=rates.ppn, jurisdiction="ID", on_date=date(2026, 12, 31)) == rates.ppn12


@pytest.mark.parametrize("values, field", [
    ({"rate": "101"}, "rate"), ({"jurisdiction": "Indonesia"}, "jurisdiction"), ({"kind": "sales"}, "kind"),
    ({"valid_from": date(2025, 2, 1), "valid_to": date(2025, 1, 1)}, "valid_to"), ({"category": "nope"}, "category"),
    ({"kind": "withholding", "compound": True}, "compound"),
])
def test_bad_rates_are_refused(rates, values, field):
    with pytest.raises(DomainError) as exc:
        tax_rate_create(**{"code": "x", "name": "X", "category": "levy", "rate": "5", "jurisdiction": "NZ", **values})
    assert exc.value.field == field


def test_invoice_lines_take_the_rate_of_the_document_date(idr_customer, rates):
    line = LineSpec(description="Coffee beans", quantity="2", unit_price="100000", tax_category="ppn")
    draft = hand_invoice("C-ID", [line])
    assert draft.tax_total == D("24000")  # drafts are taxed as of today (2025 or later: 12%)
    old = invoice_issue(invoice=hand_invoice("C-ID", [line]), issue_date=date(2024, 12, 31))
    new = invoice_issue(invoice=draft, issue_date=date(2025, 1, 1))
    assert (old.tax_total, old.total) == (D("22000"), D("222000"))
    assert (new.tax_total, new.total) == (D("24000"), D("224000"))
    old_line = old.lines.get()
    assert (old_line.tax_rate, old_line.tax_percent, old_line.tax_category) == (rates.ppn11, D("11"), rates.ppn)
    assert [(t.percent, t.amount) for t in old_line.taxes.all()] == [(D("11"), D("22000"))]  # re-taxed rows


def test_an_explicit_rate_outside_its_validity_is_refused(idr_customer, rates):
    line = LineSpec(description="Coffee beans", quantity="1", unit_price="100000", tax_rates=[rates.ppn11.pk])
    with pytest.raises(DomainError) as exc:
        hand_invoice("C-ID", [line])  # today is after 2024-12-31
    assert (exc.value.code, exc.value.status, exc.value.field) == ("tax_rate_not_valid", 422, "lines.0.tax_rates")
    assert "tax rate outside its validity" in exc.value.message
    ok = hand_invoice("C-ID", [LineSpec(description="Beans", quantity="1", unit_price="100000",
                                        tax_rates=[rates.ppn12.pk, rates.pph23.pk])])
    assert (ok.tax_total, ok.withholding_total, ok.total) == (D("12000"), D("2000"), D("110000"))
    with pytest.raises(DomainError) as exc:  # issued before 2025: PPN 12% was not in force yet
        invoice_issue(invoice=ok, issue_date=date(2024, 12, 1))
    assert exc.value.code == "tax_rate_not_valid"


def test_a_category_without_rates_uses_its_catalog_rate(world):
    invoice = hand_invoice("C001", [LineSpec(sku="WIDGET", quantity="3", unit_price="10.00")])
    line = invoice.lines.get()
    assert (line.tax_category.code, line.tax_rate, line.tax_percent, line.line_tax) == ("std", None, D("10"),
                                                                                        D("3.00"))
    assert invoice.total == D("33.00")
