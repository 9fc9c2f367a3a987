from oms.manifest import Manifest

MANIFEST = Manifest(
    name="shipping",
    version="0.1.0",
    title="Shipping",
    depends=("core", "parties", "catalog", "inventory", "sales"),
    description="Shipments of sales orders: split shipments, packing, carriers and tracking, delivery.",
)
