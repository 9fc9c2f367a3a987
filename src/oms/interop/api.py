"""Import and export API: imports (upload, dry-run, jobs, error reports) and exports (streamed CSV/XLSX)."""

from __future__ import annotations

from ninja import Router

from oms.interop.api_exports import router as exports_router
from oms.interop.api_imports import router as imports_router

router = Router(tags=["interop"])
router.add_router("/", imports_router)
router.add_router("/", exports_router)
