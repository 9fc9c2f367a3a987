from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from oms.core.errors import DomainError
from oms.core.models import (
    ApiToken, AuditRecord, Company, CustomFieldDefinition, NumberSeries, OutboxEvent,
)
from oms.core.services.customfields import custom_values_clean, definitions_for
from oms.core.services.numbering import format_validate
from oms.core.services.tokens import token_revoke

FT = CustomFieldDefinition.FieldType
_FORM_FIELDS = {
    FT.TEXT: lambda d: forms.CharField(max_length=d.max_length),
    FT.NUMBER: lambda d: forms.IntegerField(),
    FT.DECIMAL: lambda d: forms.DecimalField(),
    FT.DATE: lambda d: forms.DateField(),
    FT.CHOICE: lambda d: forms.ChoiceField(choices=[("", "---")] + [(c, c) for c in d.choices]),
    FT.BOOLEAN: lambda d: forms.NullBooleanField(),
}


class CustomFieldsForm(forms.ModelForm):
    """A model form that shows the business's custom fields as ordinary inputs."""

    custom_target: str = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = (self.instance.custom or {}) if self.instance else {}
        for defn in definitions_for(self.custom_target):
            field = _FORM_FIELDS[defn.field_type](defn)
            field.label, field.required, field.help_text = defn.label, False, defn.help_text
            field.initial = current.get(defn.key)
            self.fields[f"cf_{defn.key}"] = field

    def clean(self):
        data = super().clean()
        values = {name[3:]: data.get(name) for name in self.fields if name.startswith("cf_")}
        try:
            self.instance.custom = custom_values_clean(target=self.custom_target, values=values,
                                                       current=self.instance.custom)
        except DomainError as exc:
            raise forms.ValidationError({f"cf_{exc.field.removeprefix('custom.')}": exc.message}) from exc
        return data


def custom_fields_form(target: str, model) -> type[CustomFieldsForm]:
    meta = type("Meta", (), {"model": model, "exclude": ["custom"]})
    return type(f"{model.__name__}CustomFieldsForm", (CustomFieldsForm,), {"Meta": meta, "custom_target": target})


def timeline_html(records, *, with_changes: bool = True) -> str:
    """An object's audit records as lines of time, actor, action and (except line lists) changes."""
    rows = [(r.created_at.strftime("%Y-%m-%d %H:%M:%S"), r.actor_label, r.action,
             ", ".join(f"{k}: {v}" for k, v in r.changes.items() if k != "lines") if with_changes else "")
            for r in records]
    return format_html_join("\n", "<div>{} &middot; {} &middot; <b>{}</b> {}</div>", rows) or "-"


def run_action(modeladmin, request, items, action, *, done_text, name=str) -> None:
    """Run a service on each selected record: each refusal is reported with the record's name,
    the successes in one line, ``done_text(count)`` (a module's own translated, pluralised text)."""
    done = 0
    for item in items:
        try:
            action(item)
            done += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{name(item)}: {exc.message}", messages.ERROR)
    if done:
        modeladmin.message_user(request, done_text(done), messages.SUCCESS)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("legal_name", "tax_id", "base_currency", "default_locale", "time_zone")


class NumberSeriesForm(forms.ModelForm):
    def clean_format(self):
        fmt = self.cleaned_data["format"]
        try:
            format_validate(fmt)  # the same check as series_set_format: a bad format breaks every allocation
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc
        return fmt


@admin.register(NumberSeries)
class NumberSeriesAdmin(admin.ModelAdmin):
    form = NumberSeriesForm
    list_display = ("doc_type", "format", "reset", "company")


@admin.register(CustomFieldDefinition)
class CustomFieldDefinitionAdmin(admin.ModelAdmin):
    list_display = ("target", "key", "label", "field_type", "required", "active")
    list_filter = ("target", "field_type", "active")


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    list_display = ("id", "seq", "created_at", "actor_label", "action", "object_type", "object_id")
    list_filter = ("action", "object_type", "actor_type")
    search_fields = ("object_id", "actor_label", "request_id", "action")
    date_hierarchy = "created_at"


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "event_type", "aggregate_type", "aggregate_id", "created_at", "delivered_at")
    list_filter = ("event_type", ("delivered_at", admin.EmptyFieldListFilter))


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("prefix", "user", "name", "created_at", "revoked_at")
    actions = ["revoke"]

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("core.change_apitoken")

    @admin.action(description=_("Revoke selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            token_revoke(token=token)
