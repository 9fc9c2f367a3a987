"""Fixtures for the invoicing services tests: the sales world, an Indonesian customer, tax rates."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal as D

import pytest
from world import World, make_world

from oms.catalog.models import TaxCategory
from oms.invoicing.models import InvoicingSettings, TaxRate
from oms.parties.models import Address, Party


@dataclass
class Rates:
    ppn: TaxCategory  # seeded: PPN 11% until 2024-12-31, 12% from 2025-01-01 (ID)
    ppn11: TaxRate
    ppn12: TaxRate
    vat: TaxCategory  # seeded: VAT 20% anywhere
    vat20: TaxRate
    services: TaxCategory  # ID: PPN 12% and PPh 23 2% withheld
    pph23: TaxRate
    ppn_services: TaxRate
    levy: TaxCategory  # anywhere: 10% and a 5% compound levy on top
    base10: TaxRate
    compound5: TaxRate


@pytest.fixture
def world(db) -> World:
    return make_world()


@pytest.fixture
def idr_customer(db) -> Party:
    party = Party.objects.create(code="C-ID", name="Toko Maju", currency="IDR", payment_terms_days=14, language="id")
    Address.objects.create(party=party, kind="billing", line1="Jl. Merdeka 1", city="Jakarta", country="ID",
                           is_default=True)
    return party


@pytest.fixture
def rates(db) -> Rates:
    ppn = TaxCategory.objects.get(code="ppn")
    vat = TaxCategory.objects.get(code="vat-std")
    services = TaxCategory.objects.create(code="svc-id", name="Services (ID)", rate=D("12"))
    levy = TaxCategory.objects.create(code="levy", name="Levied goods", rate=D("10"))
    return Rates(
        ppn=ppn, ppn11=TaxRate.objects.get(code="ppn-11"), ppn12=TaxRate.objects.get(code="ppn-12"),
        vat=vat, vat20=TaxRate.objects.get(code="vat-20"), services=services,
        ppn_services=TaxRate.objects.create(code="ppn-12", name="PPN 12%", category=services, jurisdiction="ID",
                                            rate=D("12"), valid_from=date(2025, 1, 1)),
        pph23=TaxRate.objects.create(code="pph23", name="PPh 23", category=services, jurisdiction="ID", rate=D("2"),
                                     kind=TaxRate.Kind.WITHHOLDING),
        levy=levy,
        base10=TaxRate.objects.create(code="base10", name="Base 10%", category=levy, rate=D("10")),
        compound5=TaxRate.objects.create(code="levy5", name="Levy 5%", category=levy, rate=D("5"), compound=True),
    )


@pytest.fixture
def settings_row(db) -> InvoicingSettings:
    return InvoicingSettings.objects.create()
