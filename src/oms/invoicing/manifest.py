from oms.manifest import Manifest

MANIFEST = Manifest(
    name="invoicing",
    version="0.1.0",
    title="Invoicing",
    depends=("core", "parties", "catalog", "sales"),
    description="Invoices, credit and debit notes, tax rates, PDFs and UBL/PEPPOL export.",
)
