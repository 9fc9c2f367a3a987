from oms.manifest import Manifest

MANIFEST = Manifest(
    name="inventory",
    version="0.1.0",
    title="Inventory",
    depends=("core", "catalog"),
    description="Warehouses, locations, stock levels, reservations and the stock move ledger.",
)
