"""The global search page (the box in every page's header sends here) and the language switch."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from oms.backoffice.selectors.prefs import SESSION_KEY
from oms.backoffice.selectors.search import global_search
from oms.backoffice.services import preference_language_set
from oms.backoffice.views.common import operator_view, page
from oms.core.errors import DomainError

KINDS = {"order": _("Orders"), "invoice": _("Invoices"), "payment": _("Payments"), "shipment": _("Shipments"),
         "customer": _("Customers"), "product": _("Products"), "return": _("Returns"),
         "purchase_order": _("Purchase orders")}


@operator_view()
def search(request):
    result = global_search(q=request.GET.get("q", ""))
    if result.only_exact and request.GET.get("go") != "0":
        return redirect(result.only_exact.url)
    groups: dict[str, list] = {}
    for hit in result.hits:
        groups.setdefault(hit.kind, []).append(hit)
    return page(request, "backoffice/search.html", {
        "q": result.q, "groups": [(KINDS.get(k, k), hits) for k, hits in groups.items()]},
        title=_g("Search: %(q)s") % {"q": result.q} if result.q else _g("Search"))


@require_POST
@operator_view()
def language_set(request):
    """Store the operator's language (kept for every later session) and go back to the page."""
    language = request.POST.get("language", "")
    try:
        preference_language_set(user=request.user, language=language)
    except DomainError:
        language = ""
    request.session[SESSION_KEY] = language if language in dict(settings.LANGUAGES) else ""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/admin/"
    return redirect(back)
