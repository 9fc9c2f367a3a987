"""Seed tax rates: Indonesian PPN (11% until 2024-12-31, 12% from 2025-01-01) and a generic 20% VAT.

Their tax categories ("ppn", "vat-std") are created when missing; existing rates are left alone.
"""

import datetime
from decimal import Decimal

from django.db import migrations

CATEGORIES = {"ppn": ("PPN (Indonesian VAT)", Decimal("12")), "vat-std": ("VAT, standard rate", Decimal("20"))}
RATES = [
    # category, code, name, jurisdiction, rate, valid_from, valid_to
    ("ppn", "ppn-11", "PPN 11%", "ID", Decimal("11"), datetime.date(2022, 4, 1), datetime.date(2024, 12, 31)),
    ("ppn", "ppn-12", "PPN 12%", "ID", Decimal("12"), datetime.date(2025, 1, 1), None),
    ("vat-std", "vat-20", "VAT 20%", "", Decimal("20"), None, None),
]


def seed(apps, schema_editor):
    TaxCategory = apps.get_model("catalog", "TaxCategory")
    TaxRate = apps.get_model("invoicing", "TaxRate")
    categories = {}
    for code, (name, rate) in CATEGORIES.items():
        categories[code] = TaxCategory.objects.get_or_create(code=code, defaults={"name": name, "rate": rate})[0]
    for category, code, name, jurisdiction, rate, valid_from, valid_to in RATES:
        if not TaxRate.objects.filter(code=code, jurisdiction=jurisdiction).exists():
            TaxRate.objects.create(category=categories[category], code=code, name=name, jurisdiction=jurisdiction,
                                   rate=rate, kind="standard", compound=False, valid_from=valid_from,
                                   valid_to=valid_to)


def unseed(apps, schema_editor):
    TaxRate = apps.get_model("invoicing", "TaxRate")
    TaxRate.objects.filter(code__in=[r[1] for r in RATES]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("invoicing", "0002_line_taxes_recurring"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
