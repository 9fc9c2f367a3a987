"""Fast order entry: one page, the keyboard only; small JSON look-ups; the order made by the sales service."""

from __future__ import annotations

import json

from django.db import transaction
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _g
from django.views.decorators.http import require_GET, require_POST

from oms.backoffice.selectors.entry import customer_lookup, product_lookup
from oms.backoffice.views.common import error_json, operator_json, operator_view, page
from oms.core.errors import DomainError
from oms.parties.models import Party
from oms.sales.lines import LineSpec
from oms.sales.models import Channel
from oms.sales.services import OrderSpec, order_create

MAX_LINES = 1000


@operator_view("sales.add_salesorder")
def entry_page(request):
    texts = {"no_price": _g("no price"), "not_stocked": _g("not stocked"), "available": _g("available"),
             "remove": _g("Remove line"), "quantity": _g("Quantity"), "no_customer": _g("Choose a customer first."),
             "no_lines": _g("Add at least one line."), "unknown_product": _g("No product with this SKU or barcode:"),
             "failed": _g("The order could not be created.")}
    return page(request, "backoffice/entry.html", {"entry_texts": texts}, title=_g("New order"))


@require_GET
@operator_json("parties.view_party")
def customers_json(request):
    return JsonResponse({"results": [
        {"code": p.code, "name": p.name, "email": p.email, "currency": p.currency,
         "group": p.customer_group.name if p.customer_group else ""}
        for p in customer_lookup(q=request.GET.get("q", ""))]})


@require_GET
@operator_json("catalog.view_product")
def products_json(request):
    code = request.GET.get("customer", "").strip()
    customer = Party.objects.filter(code=code).first() if code else None
    return JsonResponse({"results": [h.as_json() for h in product_lookup(q=request.GET.get("q", ""),
                                                                         customer=customer)]})


def _spec(body: dict) -> tuple[OrderSpec, bool]:
    """The order as the page sends it: {"customer", "lines": [{"sku", "quantity"}], "confirm", "notes"}."""
    if not isinstance(body, dict):
        raise DomainError("Send a JSON object", field="body")
    lines = body.get("lines")
    if not isinstance(lines, list) or len(lines) > MAX_LINES:
        raise DomainError(f"lines must be a list of at most {MAX_LINES}", field="lines")
    specs = []
    for i, line in enumerate(lines):
        if not isinstance(line, dict) or not isinstance(line.get("sku"), str):
            raise DomainError("Each line needs a SKU", field=f"lines.{i}.sku", code="required")
        specs.append(LineSpec(sku=line["sku"], quantity=str(line.get("quantity", ""))))
    customer, notes = body.get("customer"), body.get("notes", "")
    if not isinstance(customer, str) or not isinstance(notes, str):
        raise DomainError("customer and notes must be text", field="customer")
    return OrderSpec(customer=customer.strip(), lines=specs, channel=Channel.BACK_OFFICE, notes=notes[:2000]), \
        body.get("confirm") is True


@require_POST
@operator_json("sales.add_salesorder")
def entry_create(request):
    """Create the order (and confirm it, reserving stock, when asked): 201 with its number and page."""
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        return error_json(DomainError("The body is not JSON", field="body", code="invalid_json"))
    try:
        spec, confirm = _spec(body)
        with transaction.atomic():  # a refusal rolls back to here, whatever transaction the caller is in
            order = order_create(spec=spec, confirm=confirm)
    except DomainError as exc:
        return error_json(exc)
    return JsonResponse({"number": order.number, "status": order.status, "total": str(order.total),
                         "currency": order.currency,
                         "url": reverse("backoffice:order", kwargs={"ref": order.number})}, status=201)
