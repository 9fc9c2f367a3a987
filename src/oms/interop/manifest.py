from oms.manifest import Manifest

MANIFEST = Manifest(
    name="interop",
    version="0.1.0",
    title="Import and export",
    depends=('core', 'parties', 'catalog', 'inventory', 'sales'),
    description="Import from Shopify, WooCommerce and Odoo; export CSV/XLSX and Shopify columns; a full JSON-lines archive of every enabled module.",
)
