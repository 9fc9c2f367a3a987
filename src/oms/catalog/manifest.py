from oms.manifest import Manifest

MANIFEST = Manifest(
    name="catalog",
    version="0.1.0",
    title="Catalog",
    depends=("core", "parties"),
    description="Products, variants, barcodes, units and price lists.",
)
