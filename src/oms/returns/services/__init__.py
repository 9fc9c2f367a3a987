"""Return writes, importable from one place: ``from oms.returns.services import return_create``."""

from oms.returns.services.lifecycle import (
    Inspection, ReturnLineSpec, return_approve, return_close, return_create, return_receive, return_reject,
)
from oms.returns.services.resolution import return_resolve

__all__ = [
    "Inspection", "ReturnLineSpec", "return_approve", "return_close", "return_create", "return_receive",
    "return_reject", "return_resolve",
]
