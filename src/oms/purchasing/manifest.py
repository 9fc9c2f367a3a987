from oms.manifest import Manifest

MANIFEST = Manifest(
    name="purchasing",
    version="0.1.0",
    title="Purchasing",
    depends=('core', 'parties', 'catalog', 'inventory', 'sales', 'invoicing', 'payments'),
    description="Suppliers and their price lists, purchase orders, receipts into stock, supplier bills with three-way match, replenishment.",
)
