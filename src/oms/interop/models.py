"""Import and export: data and invariants.

An ``ImportJob`` is one run over one uploaded file (or a dry run of it); its ``checkpoint_line``
is the last source line whose record is committed, so a killed run resumes after it. Every row
that could not go in (or went in with a value dropped) is an ``ImportIssue`` naming the file,
line, column and reason. ``ExternalKey`` maps another system's id (a Shopify order id, an Odoo
external id) to our record, so that running the same import again updates instead of duplicating.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportFormat(models.TextChoices):
    SHOPIFY_PRODUCTS = "shopify_products", _("Shopify products CSV")
    SHOPIFY_ORDERS = "shopify_orders", _("Shopify orders export CSV")
    WOOCOMMERCE_PRODUCTS = "woocommerce_products", _("WooCommerce products CSV")
    ODOO_PRODUCTS = "odoo_products", _("Odoo products CSV (product.template / product.product)")
    ODOO_CUSTOMERS = "odoo_customers", _("Odoo customers CSV (res.partner)")
    ODOO_QUOTATIONS = "odoo_quotations", _("Odoo quotations / sales orders CSV with order lines")


class ImportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed (file rejected)")

    format = models.CharField(_("format"), max_length=30, choices=ImportFormat.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    stored_path = models.CharField(_("stored file"), max_length=500)
    file_sha256 = models.CharField(_("file checksum"), max_length=64, db_index=True)
    file_size = models.BigIntegerField(_("file size (bytes)"), default=0)
    dry_run = models.BooleanField(_("dry run"), default=False)
    currency = models.CharField(_("currency"), max_length=3, blank=True,
                                help_text=_("For prices in files that do not name a currency"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    message = models.TextField(_("message"), blank=True, help_text=_("Why the whole file was rejected"))
    encoding = models.CharField(_("encoding"), max_length=30, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=5, blank=True)
    bytes_read = models.BigIntegerField(_("bytes read"), default=0)
    records_seen = models.PositiveIntegerField(_("records read"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("rows rejected"), default=0)
    warning_count = models.PositiveIntegerField(_("warnings"), default=0)
    checkpoint_line = models.PositiveIntegerField(_("last committed line"), default=0)
    preview = models.JSONField(_("preview of changes"), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name} ({self.get_format_display()})"

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.file_size:
            return 0
        return min(99, int(self.bytes_read * 100 / self.file_size))


class ImportIssue(models.Model):
    class Severity(models.TextChoices):
        ERROR = "error", _("error: row not imported")
        WARNING = "warning", _("warning: imported without this value")

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="issues", verbose_name=_("import"))
    line = models.PositiveIntegerField(_("line"),
                                       help_text=_("Line in the file, the header being line 1; 0 for the whole file"))
    column = models.CharField(_("column"), max_length=200, blank=True)
    key = models.CharField(_("record"), max_length=200, blank=True, help_text=_("SKU, order number or external id"))
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.ERROR)
    code = models.CharField(_("code"), max_length=50)
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("import issue")
        verbose_name_plural = _("import issues")
        ordering = ["job", "line", "id"]


class ExternalKey(models.Model):
    """Another system's id for one of our records (like Odoo's ir.model.data)."""

    source = models.CharField(_("source system"), max_length=20)
    kind = models.CharField(_("record kind"), max_length=20)
    external_id = models.CharField(_("external id"), max_length=200)
    object_id = models.BigIntegerField(_("our id"))

    class Meta:
        verbose_name = _("external key")
        verbose_name_plural = _("external keys")
        constraints = [
            models.UniqueConstraint(fields=["source", "kind", "external_id"], name="interop_external_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.kind}:{self.external_id} -> {self.object_id}"
