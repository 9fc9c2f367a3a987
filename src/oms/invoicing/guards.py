"""An issued document never changes: model saves and deletes that would alter one are refused.

The services already refuse edits of issued documents (409 ``immutable``); these signal handlers
make the rule hold for any other code path that saves a model (the back office, a shell, a bug).
Only the status of an issued document moves, through ``save(update_fields=["status"])``.
"""

from __future__ import annotations

from django.db.models.signals import pre_delete, pre_save

from oms.core.errors import Conflict

MUTABLE_AFTER_ISSUE = frozenset({"status"})


def _refuse(label: str) -> Conflict:
    return Conflict(f"{label} is issued: an issued document never changes; correct it with a credit or debit note",
                    field="status", code="immutable")


def _stored_status(model, pk) -> str | None:
    return model.objects.filter(pk=pk).values_list("status", flat=True).first()


def invoice_pre_save(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or instance.pk is None or instance._state.adding:
        return
    if update_fields is not None and set(update_fields) <= MUTABLE_AFTER_ISSUE:
        return
    status = _stored_status(sender, instance.pk)
    if status is not None and status != "draft":
        raise _refuse(instance.number or f"Invoice #{instance.pk}")


def invoice_pre_delete(sender, instance, **kwargs):
    if _stored_status(sender, instance.pk) not in (None, "draft"):
        raise _refuse(instance.number or f"Invoice #{instance.pk}")


def line_guard(sender, instance, raw=False, **kwargs):
    """Lines and line taxes change only while their document is a draft."""
    from oms.invoicing.models import Invoice, InvoiceLine

    if raw:
        return
    if sender is InvoiceLine:
        invoice_id = instance.invoice_id
        status = _stored_status(Invoice, invoice_id)
    else:
        invoice_id, status = (InvoiceLine.objects.filter(pk=instance.line_id)
                              .values_list("invoice_id", "invoice__status").first() or (None, None))
    if status is not None and status != "draft":
        raise _refuse(f"Invoice #{invoice_id}")


def connect() -> None:
    from oms.invoicing.models import Invoice, InvoiceLine, InvoiceLineTax

    pre_save.connect(invoice_pre_save, sender=Invoice, dispatch_uid="invoicing_invoice_immutable")
    pre_delete.connect(invoice_pre_delete, sender=Invoice, dispatch_uid="invoicing_invoice_undeletable")
    for model in (InvoiceLine, InvoiceLineTax):
        pre_save.connect(line_guard, sender=model, dispatch_uid=f"invoicing_{model.__name__}_immutable")
        pre_delete.connect(line_guard, sender=model, dispatch_uid=f"invoicing_{model.__name__}_undeletable")
