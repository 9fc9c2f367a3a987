from oms.manifest import Manifest

MANIFEST = Manifest(
    name="returns",
    version="0.1.0",
    title="Returns",
    depends=('core', 'parties', 'catalog', 'inventory', 'sales', 'shipping', 'invoicing', 'payments'),
    description="Returns (RMA) of shipped goods: approval, receiving back into stock by inspection, refunds, store credit and exchanges.",
)
