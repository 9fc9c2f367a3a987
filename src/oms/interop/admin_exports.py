"""Export buttons on the back office's list pages of products, customers, orders, invoices and payments.

The list pages belong to their modules; interop adds its buttons without those modules knowing it:
at start-up (``InteropConfig.ready``) each registered ModelAdmin is re-registered as a subclass
with ``ExportButtonsMixin``, which adds an ``export/<format>/`` page and links above the list.
An export takes the rows the list currently selects (its filters and search) and streams them.
Other interop mixins can add their own links to ``interop_list_links`` in the same way.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from oms.core.errors import DomainError
from oms.interop.api_exports import export_response
from oms.interop.exporters import ExportRequest, export_for

LINKS = {"csv": _("Export CSV"), "xlsx": _("Export XLSX"), "shopify": _("Export Shopify CSV")}
TEMPLATE = "admin/interop/change_list_exports.html"

# model label -> the export it offers, and whether Shopify columns exist for it
EXPORTED = {"catalog.product": ("products", True), "parties.party": ("customers", False),
            "sales.salesorder": ("orders", True), "invoicing.invoice": ("invoices", False),
            "payments.payment": ("payments", False)}


class ExportButtonsMixin:
    export_entity = ""
    export_shopify = False

    def get_urls(self):
        name = f"{self.model._meta.app_label}_{self.model._meta.model_name}_export"
        own = [path("export/<str:fmt>/", self.admin_site.admin_view(self.export_view), name=name)]
        return own + super().get_urls()

    def _formats(self) -> list[str]:
        return ["csv", "xlsx", "shopify"] if self.export_shopify else ["csv", "xlsx"]

    def changelist_view(self, request, extra_context=None):
        context = dict(extra_context or {})
        if request.user.has_perm(export_for(self.export_entity, "csv").permission):
            name = f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_export"
            query = f"?{request.GET.urlencode()}" if request.GET else ""
            links = [(LINKS[fmt], reverse(name, args=[fmt]) + query) for fmt in self._formats()]
            context["interop_list_links"] = [*context.get("interop_list_links", []), *links]
        base_template = super().change_list_template or "admin/change_list.html"
        context.setdefault("interop_base_change_list_template", base_template)
        return super().changelist_view(request, context)

    def export_view(self, request, fmt: str):
        if fmt not in self._formats():
            raise Http404(f"No {fmt} export here")
        try:
            export = export_for(self.export_entity, fmt)
        except DomainError as exc:
            raise Http404(exc.message) from exc
        if not request.user.has_perm(export.permission):
            raise PermissionDenied
        rows = self.get_changelist_instance(request).get_queryset(request)
        return export_response(export, fmt, ExportRequest(), queryset=rows)


def install_export_buttons(site: admin.AdminSite = admin.site) -> None:
    """Give each exported model's registered admin the export buttons (once)."""
    for model_label, (entity, shopify) in EXPORTED.items():
        app_label, model_name = model_label.split(".")
        if not apps.is_installed(f"oms.{app_label}"):
            continue
        model = apps.get_model(app_label, model_name)
        if not site.is_registered(model):
            continue
        current = type(site.get_model_admin(model))
        if issubclass(current, ExportButtonsMixin):
            continue
        combined = type(f"{current.__name__}WithExports", (ExportButtonsMixin, current),
                        {"export_entity": entity, "export_shopify": shopify, "change_list_template": TEMPLATE,
                         "__module__": current.__module__})
        site.unregister(model)
        site.register(model, combined)
