"""Core data: company settings, numbering, audit trail, outbox, idempotency, custom fields, tokens."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from oms.core import customfield_cache
from oms.core.money import DECIMAL_PLACES, MAX_DIGITS


class MoneyField(models.DecimalField):
    """An exact amount column; the currency lives in a sibling ``currency`` column."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", DECIMAL_PLACES)
        super().__init__(*args, **kwargs)


class Company(models.Model):
    legal_name = models.CharField(_("legal name"), max_length=200)
    trade_name = models.CharField(_("trade name"), max_length=200, blank=True)
    address_line1 = models.CharField(_("address line 1"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO 3166 alpha-2 code"))
    tax_id = models.CharField(_("tax id"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    base_currency = models.CharField(_("base currency"), max_length=3, default="USD")
    default_locale = models.CharField(_("default locale"), max_length=10, default="en",
                                      choices=settings.LANGUAGES)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self) -> str:
        return self.trade_name or self.legal_name


class NumberSeries(models.Model):
    """How one document type is numbered for one company, e.g. ``SO-{YYYY}-{seq:05d}``."""

    class Reset(models.TextChoices):
        NEVER = "never", _("never")
        YEARLY = "yearly", _("every year")

    # No index of its own: core_series_unique_doc_type starts with it.
    company = models.ForeignKey(Company, db_index=False, on_delete=models.PROTECT, related_name="number_series",
                                verbose_name=_("company"))
    doc_type = models.CharField(_("document type"), max_length=50)
    format = models.CharField(_("format"), max_length=100,
                              help_text=_("Placeholders: {YYYY} {YY} {MM} {DD} {seq} e.g. SO-{YYYY}-{seq:05d}"))
    reset = models.CharField(_("reset"), max_length=10, choices=Reset.choices, default=Reset.YEARLY)

    class Meta:
        verbose_name = _("number series")
        verbose_name_plural = _("number series")
        constraints = [models.UniqueConstraint(fields=["company", "doc_type"], name="core_series_unique_doc_type")]

    def __str__(self) -> str:
        return f"{self.doc_type}: {self.format}"


class NumberCounter(models.Model):
    """The last number handed out in one series and period (a year, or '' when it never resets)."""

    # No index of its own: core_counter_unique_period starts with it.
    series = models.ForeignKey(NumberSeries, db_index=False, on_delete=models.CASCADE, related_name="counters")
    period = models.CharField(max_length=10, blank=True)
    last_value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "period"], name="core_counter_unique_period")]


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk updates and deletes would bypass the model's save()/delete() guards: refuse them too."""

    def update(self, **kwargs):
        raise PermissionError("Audit records are append-only")

    def delete(self):
        raise PermissionError("Audit records are append-only")


class AuditRecord(models.Model):
    """One state change. Append-only; once sealed (right after its transaction commits) it carries
    its place in the chain and a hash covering its contents and the previous record's hash."""

    seq = models.BigIntegerField(_("sequence"), unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("time (UTC)"))
    actor_type = models.CharField(_("actor type"), max_length=10)  # user, token, system
    actor_id = models.CharField(_("actor id"), max_length=64, blank=True)
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=100)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    changes = models.JSONField(_("changes"), default=dict)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True, default="")
    hash = models.CharField(_("hash"), max_length=64, blank=True, default="")

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit trail")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "id"], name="core_audit_object_id_idx"),
            models.Index(fields=["id"], condition=models.Q(seq__isnull=True), name="core_audit_unsealed_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit records are append-only")


class AuditChainHead(models.Model):
    """The tip of the hash chain: locked while records are sealed, so the chain stays linear."""

    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)


class OutboxEvent(models.Model):
    """An event written in the same transaction as the change it announces (transactional outbox)."""

    event_type = models.CharField(_("event type"), max_length=100, db_index=True)
    aggregate_type = models.CharField(_("object type"), max_length=100)
    aggregate_id = models.CharField(_("object id"), max_length=64)
    payload = models.JSONField(_("payload"), default=dict)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("delivery attempts"), default=0)

    class Meta:
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        indexes = [models.Index(fields=["delivered_at", "id"], name="core_outbox_pending_idx")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.aggregate_type}:{self.aggregate_id}"


class IdempotencyRecord(models.Model):
    """The first response to a create request, replayed when the same key comes again."""

    actor_key = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(default=0)
    response = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["actor_key", "key"], name="core_idempotency_unique")]


class CustomFieldDefinition(models.Model):
    """An extra field a business adds to one kind of record; values live in that record's JSON."""

    class FieldType(models.TextChoices):
        TEXT = "text", _("text")
        NUMBER = "number", _("whole number")
        DECIMAL = "decimal", _("decimal")
        DATE = "date", _("date")
        CHOICE = "choice", _("choice")
        BOOLEAN = "boolean", _("yes/no")

    target = models.CharField(_("record type"), max_length=100, help_text=_("e.g. catalog.product"))
    key = models.SlugField(_("key"), max_length=50)
    label = models.CharField(_("label"), max_length=100)
    field_type = models.CharField(_("type"), max_length=10, choices=FieldType.choices)
    required = models.BooleanField(_("required"), default=False)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    min_value = models.DecimalField(_("minimum"), max_digits=30, decimal_places=10, null=True, blank=True)
    max_value = models.DecimalField(_("maximum"), max_digits=30, decimal_places=10, null=True, blank=True)
    max_length = models.PositiveIntegerField(_("maximum length"), null=True, blank=True)
    pattern = models.CharField(_("pattern (regular expression)"), max_length=200, blank=True)
    help_text = models.CharField(_("help text"), max_length=200, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ["target", "position", "key"]
        constraints = [models.UniqueConstraint(fields=["target", "key"], name="core_customfield_unique_key")]

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        customfield_cache.clear()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        customfield_cache.clear()
        return result

    def __str__(self) -> str:
        return f"{self.target}.{self.key}"


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class CustomFieldsMixin(models.Model):
    """Gives a model a ``custom`` JSON column validated against its CustomFieldDefinitions."""

    custom = models.JSONField(_("custom fields"), default=dict, blank=True)

    class Meta:
        abstract = True
