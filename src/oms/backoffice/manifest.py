from oms.manifest import Manifest

MANIFEST = Manifest(
    name="backoffice",
    version="0.1.0",
    title="Back office",
    depends=('core', 'parties', 'catalog', 'inventory', 'sales'),
    description="Dashboard, the order work page, fast order entry and global search for operators.",
)
