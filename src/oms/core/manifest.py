from oms.manifest import Manifest

MANIFEST = Manifest(
    name="core",
    version="0.1.0",
    title="Core",
    description="Company settings, money, numbering, audit trail, custom fields, outbox, API basics.",
)
