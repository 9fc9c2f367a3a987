from oms.manifest import Manifest

MANIFEST = Manifest(
    name="payments",
    version="0.1.0",
    title="Payments",
    depends=("core", "parties", "invoicing"),
    description="Payments and refunds, allocation to invoices, customer credit, providers, aging.",
)
