"""Orders: the list, the work page with its action buttons, and the printable documents."""

from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.db import transaction
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from oms.backoffice import services as bo
from oms.backoffice.selectors.order_list import QUEUES, ListFilter, order_page
from oms.backoffice.selectors.orders import (
    allowed_actions, invoice_of, order_documents, order_find, order_timeline, pending_shipments, shipment_of,
    unpaid_invoices,
)
from oms.backoffice.views.common import operator_view, page
from oms.core.errors import DomainError, NotFound
from oms.sales.models import Channel
from oms.sales.services import order_cancel, order_complete, order_confirm, order_hold, order_release
from oms.sales.states import OrderStatus

if apps.is_installed("oms.shipping"):
    from oms.shipping.services import shipment_ship
if apps.is_installed("oms.invoicing"):
    from oms.invoicing.pdf import invoice_pdf, pdf_filename
    from oms.invoicing.selectors import invoice_find
if apps.is_installed("oms.payments"):
    from oms.payments.models import Payment

ACTION_LABELS = {
    "confirm": _("Confirm"), "release": _("Release hold"), "ship": _("Ship what is open"),
    "invoice": _("Invoice and issue"), "pay": _("Record payment"), "complete": _("Complete"),
    "hold": _("Put on hold"), "cancel": _("Cancel order"),
}
ACTION_PERMS = {
    "confirm": "sales.change_salesorder", "release": "sales.change_salesorder", "hold": "sales.change_salesorder",
    "cancel": "sales.change_salesorder", "complete": "sales.change_salesorder",
    "ship": "shipping.add_shipment", "ship_pending": "shipping.change_shipment",
    "invoice": "invoicing.add_invoice", "pay": "payments.add_payment",
}
ACTION_MODULES = {"ship": "shipping", "ship_pending": "shipping", "invoice": "invoicing", "pay": "payments"}
QUEUE_LABELS = {"to_confirm": _("To confirm"), "on_hold": _("On hold"), "to_ship": _("To ship"),
                "to_invoice": _("To invoice")}


def _module_or_404(name: str | None) -> None:
    """A page or action of a module that is not enabled does not exist."""
    if name and not apps.is_installed(f"oms.{name}"):
        raise Http404(f"the {name} module is not enabled")


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


@operator_view("sales.view_salesorder")
def order_list(request):
    g = request.GET
    filters = ListFilter(status=g.get("status", ""), channel=g.get("channel", ""), customer=g.get("customer", ""),
                         queue=g.get("queue", "") if g.get("queue") in {*QUEUES, "to_invoice"} else "",
                         before=_int(g.get("before")))
    rows, next_before = order_page(filters=filters)
    statuses, channels = {k: str(v) for k, v in OrderStatus.choices}, {k: str(v) for k, v in Channel.choices}
    for row in rows:  # each label translated once per page, not once per row
        row.status_label, row.channel_label = statuses.get(row.status, row.status), channels.get(row.channel, "")
    keep = {k: v for k, v in g.items() if k != "before" and v}
    return page(request, "backoffice/order_list.html", {
        "orders": rows, "next_before": next_before, "filters": filters, "keep": keep,
        "statuses": OrderStatus.choices, "channels": Channel.choices, "queues": QUEUE_LABELS.items(),
    }, title=str(QUEUE_LABELS.get(filters.queue, _("Orders"))))


def _order_or_404(ref: str):
    try:
        return order_find(ref=ref)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@operator_view("sales.view_salesorder")
def order_detail(request, ref: str):
    order = _order_or_404(ref)
    docs = order_documents(order)
    actions = [{"name": a, "label": ACTION_LABELS[a]} for a in allowed_actions(order, docs)
               if request.user.has_perm(ACTION_PERMS[a])]
    return page(request, "backoffice/order.html", {
        "order": order, "lines": list(order.lines.all()), "docs": docs, "actions": actions,
        "action_names": {a["name"] for a in actions},
        "pending_shipments": pending_shipments(docs) if apps.is_installed("oms.shipping") else [],
        "can_ship_pending": request.user.has_perm(ACTION_PERMS["ship_pending"]),
        "unpaid": unpaid_invoices(docs) if apps.is_installed("oms.invoicing") else [],
        "payment_methods": Payment.Method.choices if apps.is_installed("oms.payments") else [],
        "timeline": order_timeline(order, docs),
        "modules": {m: apps.is_installed(f"oms.{m}") for m in ("shipping", "invoicing", "payments", "returns")},
    }, title=_g("Order %(number)s") % {"number": order.number})


def _run(request, order, name: str) -> str:
    """Run one action through its service; returns the success message."""
    p = request.POST
    if name == "confirm":
        order_confirm(order=order)
        return _g("Order confirmed.")
    if name == "release":
        order_release(order=order, reason=p.get("reason", ""))
        return _g("Hold released.")
    if name == "hold":
        order_hold(order=order, reason=p.get("reason", ""))
        return _g("Order put on hold.")
    if name == "cancel":
        order_cancel(order=order, reason=p.get("reason", "") or f"cancelled by {request.user}")
        return _g("Order cancelled.")
    if name == "complete":
        order_complete(order=order)
        return _g("Order completed.")
    if name == "ship":
        shipment = bo.order_ship_open(order=order, carrier=p.get("carrier", ""),
                                      tracking_number=p.get("tracking_number", ""))
        return _g("Shipment %(number)s shipped.") % {"number": shipment.number}
    if name == "ship_pending":
        shipment = shipment_ship(shipment=shipment_of(order, _int(p.get("shipment")) or 0))
        return _g("Shipment %(number)s shipped.") % {"number": shipment.number}
    if name == "invoice":
        invoice = bo.order_invoice(order=order)
        return _g("Invoice %(number)s issued.") % {"number": invoice.number}
    if name == "pay":
        invoice = invoice_of(order, _int(p.get("invoice")) or 0)
        payment = bo.order_invoice_pay(invoice=invoice, amount=p.get("amount", "").strip(),
                                       method=p.get("method", ""), reference=p.get("reference", ""))
        return _g("Payment %(number)s recorded.") % {"number": payment.number}
    raise Http404("unknown action")


@require_POST
@operator_view("sales.view_salesorder")
def order_action(request, ref: str, name: str):
    """A button of the work page: the module's service decides; a refusal is shown, nothing is written."""
    if name not in ACTION_PERMS:
        raise Http404("unknown action")
    _module_or_404(ACTION_MODULES.get(name))
    if not request.user.has_perm(ACTION_PERMS[name]):
        raise PermissionDenied
    order = _order_or_404(ref)
    try:
        with transaction.atomic():  # a refusal rolls back to here, whatever transaction the caller is in
            done = _run(request, order, name)
        messages.success(request, done)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("backoffice:order", ref=order.number)


@operator_view("sales.view_salesorder")
def order_print(request, ref: str):
    """The order confirmation, laid out for the printer (the browser's Print or Save as PDF)."""
    order = _order_or_404(ref)
    return page(request, "backoffice/print_order.html", {"order": order, "lines": list(order.lines.all())},
                title=_g("Order confirmation %(number)s") % {"number": order.number})


@operator_view("shipping.view_shipment")
def packing_slip(request, ref: str, shipment_id: int):
    _module_or_404("shipping")
    order = _order_or_404(ref)
    try:
        shipment = shipment_of(order, shipment_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    lines = list(shipment.lines.select_related("order_line").order_by("order_line__position"))
    return page(request, "backoffice/print_packing_slip.html", {"order": order, "shipment": shipment, "lines": lines},
                title=_g("Packing slip %(number)s") % {"number": shipment})


@operator_view("invoicing.view_invoice")
def invoice_document(request, ref: str, invoice_id: int):
    """The invoice (or note) PDF of the invoicing module, in the customer's language."""
    _module_or_404("invoicing")
    order = _order_or_404(ref)
    try:
        invoice = invoice_find(key=invoice_of(order, invoice_id).pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf_filename(invoice)}"'
    return response


def order_url(order) -> str:
    return reverse("backoffice:order", kwargs={"ref": order.number})
