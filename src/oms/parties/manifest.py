from oms.manifest import Manifest

MANIFEST = Manifest(
    name="parties",
    version="0.1.0",
    title="Customers and suppliers",
    depends=("core",),
    description="Customers and suppliers with addresses, contacts, groups, terms and credit limits.",
)
