"""Import and export back office pages.

Importing is two steps: upload a file and choose its format, which runs a dry run and shows the
preview (what would be created and updated, and every row that would be refused); then confirm,
which imports the same stored file for real. Each job page shows its progress and links the
error report (CSV)."""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from oms.core.errors import DomainError
from oms.interop.models import ImportFormat, ImportIssue, ImportJob
from oms.interop.services_imports import (
    import_errors_csv, import_job_create, import_job_run, import_preview_confirm,
)

PREVIEW_ROWS = 50
# list page -> the format its "Import" link preselects (the upload page offers every format)
IMPORT_LINKS = {"catalog.product": ImportFormat.SHOPIFY_PRODUCTS, "parties.party": ImportFormat.ODOO_CUSTOMERS,
                "sales.salesorder": ImportFormat.SHOPIFY_ORDERS}


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("file (CSV)"))
    format = forms.ChoiceField(label=_("format"), choices=ImportFormat.choices)
    currency = forms.CharField(label=_("currency of prices"), max_length=3, required=False,
                               help_text=_("For files that name no currency; empty: the company's base currency"))


class ImportIssueInline(admin.TabularInline):
    model = ImportIssue
    fields = ("line", "column", "key", "severity", "code", "reason")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("line", "id")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("id", "file_name", "format", "dry_run", "status", "progress", "created_count",
                    "updated_count", "error_count", "created_at")
    list_filter = ("status", "format", "dry_run")
    search_fields = ("file_name",)
    inlines = [ImportIssueInline]
    fields = ("file_name", "format", "dry_run", "currency", "status", "message", "progress", "encoding", "delimiter",
              "records_seen", "created_count", "updated_count", "unchanged_count", "error_count", "warning_count",
              "checkpoint_line", "error_report", "preview_table", "created_by", "created_at", "started_at",
              "finished_at")
    readonly_fields = fields
    change_form_template = "admin/interop/importjob/change_form.html"

    @admin.display(description=_("progress"))
    def progress(self, obj: ImportJob) -> str:
        return f"{obj.progress_percent}%"

    @admin.display(description=_("error report"))
    def error_report(self, obj: ImportJob) -> str:
        if not obj.pk or not (obj.error_count or obj.warning_count):
            return "-"
        url = reverse("admin:interop_importjob_errors", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("download the error report (CSV)"))

    @admin.display(description=_("preview of changes"))
    def preview_table(self, obj: ImportJob) -> str:
        rows = [(c["line"], c["action"], c["key"], ", ".join(f"{k}: {v}" for k, v in (c["changes"] or {}).items()))
                for c in obj.preview[:PREVIEW_ROWS]]
        return format_html_join("\n", "<div>line {} &middot; <b>{}</b> {} <small>{}</small></div>", rows) or "-"

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("upload/", wrap(self.upload_view), name="interop_importjob_upload"),
            path("<int:pk>/confirm/", wrap(self.confirm_view), name="interop_importjob_confirm"),
            path("<int:pk>/errors/", wrap(self.errors_view), name="interop_importjob_errors"),
        ] + super().get_urls()

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:interop_importjob_upload"))

    def upload_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportUploadForm(request.POST or None, request.FILES or None,
                                initial={"format": request.GET.get("format", "")})  # ?format= from a list page
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = import_job_create(upload=upload.chunks(), file_name=upload.name, dry_run=True,
                                        format=form.cleaned_data["format"], currency=form.cleaned_data["currency"],
                                        user=request.user)
                import_job_run(job=job)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(request, _("Preview ready: nothing is written until you confirm."), messages.INFO)
                return HttpResponseRedirect(reverse("admin:interop_importjob_change", args=[job.pk]))
        context = {**self.admin_site.each_context(request), "form": form, "opts": self.model._meta,
                   "title": _("Import a file")}
        return TemplateResponse(request, "admin/interop/importjob/upload.html", context)

    def confirm_view(self, request, pk: int):
        if request.method != "POST" or not self.has_add_permission(request):
            raise PermissionDenied
        preview = get_object_or_404(ImportJob, pk=pk)
        try:
            job = import_job_run(job=import_preview_confirm(job=preview, user=request.user))
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:interop_importjob_change", args=[pk]))
        self.message_user(request, _("Imported: %(created)s created, %(updated)s updated, %(errors)s rows refused.")
                          % {"created": job.created_count, "updated": job.updated_count, "errors": job.error_count},
                          messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:interop_importjob_change", args=[job.pk]))

    def errors_view(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        job = get_object_or_404(ImportJob, pk=pk)
        response = StreamingHttpResponse(import_errors_csv(job=job), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
        return response


class ImportLinkMixin:
    """An "Import" link above the list pages of products, customers and orders, through the
    ``interop_list_links`` the export buttons' list template shows (oms.interop.admin_exports)."""

    import_format = ""

    def changelist_view(self, request, extra_context=None):
        context = dict(extra_context or {})
        if request.user.has_perm("interop.add_importjob"):
            url = f"{reverse('admin:interop_importjob_upload')}?format={self.import_format}"
            context["interop_list_links"] = [*context.get("interop_list_links", []), (_("Import"), url)]
        return super().changelist_view(request, context)


def install_import_links(site: admin.AdminSite = admin.site) -> None:
    """Give the registered admins of the imported models the link (once). Runs when the admin
    discovers this module, after the modules interop depends on have registered theirs."""
    for model_label, fmt in IMPORT_LINKS.items():
        app_label, model_name = model_label.split(".")
        if not apps.is_installed(f"oms.{app_label}"):
            continue
        model = apps.get_model(app_label, model_name)
        if not site.is_registered(model):
            continue
        current = type(site.get_model_admin(model))
        if issubclass(current, ImportLinkMixin):
            continue
        combined = type(f"{current.__name__}WithImport", (ImportLinkMixin, current),
                        {"import_format": fmt, "__module__": current.__module__})
        site.unregister(model)
        site.register(model, combined)


install_import_links()
