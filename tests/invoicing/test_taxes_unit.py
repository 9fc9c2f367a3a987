"""Invoice tax arithmetic without a database: exclusive and inclusive prices, rounding per line or per
document, withholding and compound taxes, and sums that never lose a cent."""

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oms.core.errors import DomainError
from oms.invoicing.taxes import DOCUMENT, LINE, LineIn, TaxSpec, compute, distribute

VAT10 = TaxSpec(key=1, code="vat10", percent=D("10"))
PPN11 = TaxSpec(key=2, code="ppn-11", percent=D("11"))
PPN12 = TaxSpec(key=3, code="ppn-12", percent=D("12"))
PPH23 = TaxSpec(key=4, code="pph23", percent=D("2"), withholding=True)
LEVY5 = TaxSpec(key=5, code="levy5", percent=D("5"), compound=True)
ZERO_RATED = TaxSpec(key=6, code="zero", percent=D("0"))


def line(quantity, price, *taxes, discount="0"):
    return LineIn(quantity=D(quantity), unit_price=D(price), discount=D(discount), taxes=tuple(taxes))


def test_exclusive_taxes_are_added_to_the_net():
    totals = compute([line("3", "19.99", VAT10), line("1", "5.00", ZERO_RATED)], currency="USD")
    first, second = totals.lines
    assert (first.subtotal, first.tax, first.total) == (D("59.97"), D("6.00"), D("65.97"))
    assert (second.subtotal, second.tax, second.total) == (D("5.00"), D("0.00"), D("5.00"))
    assert (totals.subtotal, totals.tax_total, totals.withholding_total, totals.total) == (
        D("64.97"), D("6.00"), D("0"), D("70.97"))
    assert [(r.code, r.percent, r.taxable, r.tax) for r in totals.summary] == [
        ("vat10", D("10"), D("59.97"), D("6.00")), ("zero", D("0"), D("5.00"), D("0.00"))]


def test_inclusive_prices_contain_the_tax():
    totals = compute([line("1", "111.00", PPN11), line("2", "10.00", PPN11)], currency="IDR", tax_inclusive=True)
    first, second = totals.lines
    assert (first.subtotal, first.tax, first.total) == (D("100.00"), D("11.00"), D("111.00"))
    assert (second.subtotal, second.tax, second.total) == (D("18.02"), D("1.98"), D("20.00"))
    assert totals.total == D("131.00") == totals.subtotal + totals.tax_total


def test_rounding_per_line_and_per_document_differ_by_the_accumulated_half_cents():
    lines = [line("1", "0.05", VAT10), line("1", "0.05", VAT10), line("1", "0.05", VAT10)]
    per_line = compute(lines, currency="USD", rounding=LINE)
    per_doc = compute(lines, currency="USD", rounding=DOCUMENT)
    assert [x.tax for x in per_line.lines] == [D("0.01")] * 3 and per_line.tax_total == D("0.03")
    assert per_doc.tax_total == D("0.02")  # round(0.15 x 10%) once
    assert sorted(x.tax for x in per_doc.lines) == [D("0.00"), D("0.01"), D("0.01")]
    assert per_doc.summary[0].tax == per_doc.tax_total


def test_document_rounding_rounds_each_rate_once_over_its_lines():
    lines = [line("1", "0.15", VAT10), line("1", "0.15", PPN11), line("1", "0.15", VAT10)]
    totals = compute(lines, currency="USD", rounding=DOCUMENT)
    by_code = {r.code: r for r in totals.summary}
    assert (by_code["vat10"].taxable, by_code["vat10"].tax) == (D("0.30"), D("0.03"))
    assert (by_code["ppn-11"].taxable, by_code["ppn-11"].tax) == (D("0.15"), D("0.02"))


def test_inclusive_document_rounding_keeps_each_line_whole():
    lines = [line("1", "1.00", PPN12), line("1", "1.00", PPN12), line("1", "1.00", PPN12)]
    totals = compute(lines, currency="USD", tax_inclusive=True, rounding=DOCUMENT)
    assert totals.subtotal == D("2.68") and totals.tax_total == D("0.32")  # 3.00 / 1.12 = 2.678...
    assert all(x.subtotal + x.tax == D("1.00") for x in totals.lines)
    per_line = compute(lines, currency="USD", tax_inclusive=True, rounding=LINE)
    assert per_line.tax_total == D("0.33")  # 1.00 - 0.89 three times


def test_withholding_is_deducted_from_what_the_customer_pays():
    totals = compute([line("10", "100000", PPN12, PPH23)], currency="IDR")
    assert (totals.subtotal, totals.tax_total, totals.withholding_total) == (D("1000000"), D("120000.00"),
                                                                            D("20000.00"))
    assert totals.total == D("1100000.00")
    assert totals.lines[0].total == D("1120000.00")  # the line shows its added tax; withholding is the document's
    assert [(r.code, r.withholding, r.taxable, r.tax) for r in totals.summary] == [
        ("ppn-12", False, D("1000000"), D("120000.00")), ("pph23", True, D("1000000"), D("20000.00"))]


def test_inclusive_price_never_contains_withholding():
    totals = compute([line("1", "112.00", PPN12, PPH23)], currency="USD", tax_inclusive=True)
    assert (totals.subtotal, totals.tax_total, totals.withholding_total, totals.total) == (
        D("100.00"), D("12.00"), D("2.00"), D("110.00"))


def test_compound_tax_applies_on_top_of_the_other_taxes():
    totals = compute([line("1", "100.00", VAT10, LEVY5)], currency="USD")
    parts = {p.tax.code: p for p in totals.lines[0].parts}
    assert (parts["vat10"].taxable, parts["vat10"].amount) == (D("100.00"), D("10.00"))
    assert (parts["levy5"].taxable, parts["levy5"].amount) == (D("110.00"), D("5.50"))
    assert totals.total == D("115.50")
    inclusive = compute([line("1", "115.50", VAT10, LEVY5)], currency="USD", tax_inclusive=True)
    assert (inclusive.subtotal, inclusive.tax_total) == (D("100.00"), D("15.50"))
    assert {p.tax.code: p.amount for p in inclusive.lines[0].parts} == {"vat10": D("10.00"), "levy5": D("5.50")}


def test_discount_and_zero_decimal_currency():
    totals = compute([line("3", "1000", VAT10, discount="150")], currency="JPY")
    assert (totals.lines[0].net, totals.tax_total, totals.total) == (D("2850"), D("285"), D("3135"))


@pytest.mark.parametrize("bad, code", [
    (line("0", "1"), "invalid_quantity"), (line("1", "-1"), "invalid_amount"),
    (line("1", "10", discount="11"), "invalid_discount"), (line("1", "1", VAT10, VAT10), "duplicate_tax"),
    (line("1", "1", TaxSpec(key=9, code="x", percent=D("101"))), "invalid_tax_rate"),
])
def test_bad_lines_are_refused_with_the_field(bad, code):
    with pytest.raises(DomainError) as exc:
        compute([line("1", "1"), bad], currency="USD")
    assert exc.value.code == code and exc.value.field.startswith("lines.1.")


def test_distribute_loses_nothing():
    assert distribute(D("0.10"), [D(1), D(1), D(1)], "USD") == [D("0.04"), D("0.03"), D("0.03")]
    assert distribute(D("0"), [D(0), D(0)], "USD") == [D(0), D(0)]
    with pytest.raises(ValueError):
        distribute(D("0.01"), [D(0)], "USD")


TAXES = st.lists(st.sampled_from([VAT10, PPN11, PPN12, PPH23, LEVY5, ZERO_RATED]), unique_by=lambda t: t.key,
                 max_size=3).map(tuple)
LINES = st.lists(st.builds(LineIn, quantity=st.decimals("0.0001", "1000", places=4),
                           unit_price=st.decimals("0", "100000", places=4),
                           discount=st.just(D(0)), taxes=TAXES), min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(lines=LINES, inclusive=st.booleans(), rounding=st.sampled_from([LINE, DOCUMENT]),
       currency=st.sampled_from(["USD", "IDR", "JPY", "KWD"]))
def test_property_every_total_is_the_exact_sum_of_rounded_parts(lines, inclusive, rounding, currency):
    totals = compute(lines, currency=currency, tax_inclusive=inclusive, rounding=rounding)
    places = {"USD": 2, "IDR": 2, "JPY": 0, "KWD": 3}[currency]
    unit = D(1).scaleb(-places)
    amounts = [x for out in totals.lines for x in (out.subtotal, out.tax, out.withholding)]
    amounts += [p.amount for out in totals.lines for p in out.parts]
    assert all(a == a.quantize(unit) for a in amounts), "every amount is in minor units"
    assert totals.subtotal == sum(x.subtotal for x in totals.lines)
    assert totals.tax_total == sum(x.tax for x in totals.lines)
    assert totals.withholding_total == sum(x.withholding for x in totals.lines)
    assert totals.total == totals.subtotal + totals.tax_total - totals.withholding_total
    assert sum(r.tax for r in totals.summary if not r.withholding) == totals.tax_total
    assert sum(r.tax for r in totals.summary if r.withholding) == totals.withholding_total
    for out in totals.lines:
        assert out.subtotal >= 0 and out.tax >= 0
        if inclusive:
            assert out.subtotal + out.tax == out.net, "a tax-inclusive line keeps its price"
        else:
            assert out.subtotal == out.net
