"""Back office for customers and suppliers.

Saves go through the services, like the API, so the same rules hold and every change is audited.
The forms run the services' field checks in ``clean`` so errors show next to the field.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from oms.core.admin import custom_fields_form
from oms.core.errors import DomainError
from oms.parties.models import Address, Contact, CustomerGroup, Party
from oms.parties.services import (
    ADDRESS_FIELDS, CONTACT_FIELDS, CUSTOM_TARGET, PARTY_FIELDS, address_clean, contact_clean,
    customer_group_create, customer_group_update, party_create, party_deactivate, party_update,
    party_values_clean,
)


def form_check(form: forms.BaseForm, check: Callable[[], object], *, prefix: str = "") -> None:
    """Run a service check; its DomainError becomes a form error on the field it names."""
    try:
        check()
    except DomainError as exc:
        field = (exc.field or "").removeprefix(prefix)
        form.add_error(field if field in form.fields else None, exc.message)


def custom_values(form: forms.BaseForm) -> dict:
    """The custom field inputs as sent (None for a cleared one, so the service removes it)."""
    return {name[3:]: form.cleaned_data.get(name) for name in form.fields if name.startswith("cf_")}


def inline_rows(formset, fields: tuple[str, ...]) -> list[dict]:
    """The rows an inline formset leaves: kept and changed rows with their id, new rows without.

    The service saves them, not ``formset.save()``, so the lists the admin's change message reads
    are set empty here (the audit trail has the details)."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    rows = []
    for form in formset.forms:
        if not form.has_changed() and form.instance.pk is None:
            continue  # an untouched blank row
        if formset.can_delete and formset._should_delete_form(form):
            continue
        row = {name: form.cleaned_data.get(name) for name in fields}
        if form.instance.pk is not None:
            row["id"] = form.instance.pk
        rows.append(row)
    return rows


class ServiceAdmin(admin.ModelAdmin):
    """Records are changed only through services and never hard-deleted from the back office;
    a rule the form could not check in advance becomes an error message, not a server error."""

    def has_delete_permission(self, request, obj=None):
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            self.message_user(request, f"{exc.field}: {exc.message}" if exc.field else exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class AddressForm(forms.ModelForm):
    class Meta:
        model = Address
        fields = ADDRESS_FIELDS

    def clean(self):
        data = super().clean()
        if not self._errors:
            form_check(self, lambda: address_clean({k: data.get(k) for k in ADDRESS_FIELDS}, field="address"),
                       prefix="address.")
        return data


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = CONTACT_FIELDS

    def clean(self):
        data = super().clean()
        if not self._errors:
            form_check(self, lambda: contact_clean({k: data.get(k) for k in CONTACT_FIELDS}, field="contact"),
                       prefix="contact.")
        return data


class AddressInline(admin.StackedInline):
    model = Address
    form = AddressForm
    extra = 0


class ContactInline(admin.TabularInline):
    model = Contact
    form = ContactForm
    extra = 0


class PartyForm(custom_fields_form(CUSTOM_TARGET, Party)):
    def clean(self):
        data = super().clean()
        if not self._errors:  # the model form's own errors first, so one message per field
            values = {name: data.get(name, getattr(self.instance, name)) for name in PARTY_FIELDS if name != "custom"}
            form_check(self, lambda: party_values_clean(values))
        return data


@admin.register(Party)
class PartyAdmin(ServiceAdmin):
    form = PartyForm
    inlines = [AddressInline, ContactInline]
    list_display = ("code", "name", "is_customer", "is_supplier", "customer_group", "email", "phone", "currency",
                    "active")
    list_filter = ("is_customer", "is_supplier", "customer_group", "active")
    search_fields = ("name", "code", "email", "phone", "tax_id")
    list_select_related = ("customer_group",)
    readonly_fields = ("created_at",)
    actions = ["deactivate"]

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in PARTY_FIELDS if name in form.cleaned_data}
        values["custom"] = custom_values(form)
        if change:
            saved = party_update(party=obj, **values)
        else:
            saved = party_create(**values)
        obj.pk, obj.code, obj.custom = saved.pk, saved.code, saved.custom
        obj._state.adding = False

    def save_formset(self, request, form, formset, change):
        key = "addresses" if formset.model is Address else "contacts"
        fields = ADDRESS_FIELDS if formset.model is Address else CONTACT_FIELDS
        party_update(party=form.instance, **{key: inline_rows(formset, fields)})

    @admin.action(description=_("Deactivate selected parties"), permissions=["change"])
    def deactivate(self, request, queryset):
        for party in queryset.filter(active=True):
            party_deactivate(party=party)


class CustomerGroupForm(forms.ModelForm):
    class Meta:
        model = CustomerGroup
        fields = ("code", "name")


@admin.register(CustomerGroup)
class CustomerGroupAdmin(ServiceAdmin):
    form = CustomerGroupForm
    list_display = ("code", "name")
    search_fields = ("code", "name")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = customer_group_update(group=obj, code=data["code"], name=data["name"])
        else:
            saved = customer_group_create(code=data["code"], name=data["name"])
        obj.pk = saved.pk
        obj._state.adding = False
