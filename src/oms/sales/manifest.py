from oms.manifest import Manifest

MANIFEST = Manifest(
    name="sales",
    version="0.1.0",
    title="Sales",
    depends=("core", "parties", "catalog", "inventory"),
    description="Quotations and sales orders with their lifecycle, holds and stock reservation.",
)
