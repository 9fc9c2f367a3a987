from oms.manifest import Manifest

MANIFEST = Manifest(
    name="trading",
    version="0.1.0",
    title="Trading",
    depends=('core', 'parties'),
    description="Securities: instruments, accounts, orders with FIX semantics, executions, positions, pre-trade risk, allocations, regulator reports.",
)
