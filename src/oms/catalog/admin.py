"""Back office for the catalog: products and variants, price lists, units, taxes and settings.

As for parties, every save goes through the services (same rules as the API, always audited),
and the forms run the services' field checks so errors show next to the field.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from oms.catalog.models import CatalogSettings, PriceList, PriceListItem, Product, TaxCategory, UnitOfMeasure
from oms.catalog.selectors import catalog_settings
from oms.catalog.services import (
    barcode_clean, catalog_settings_update, price_clean, price_list_create, price_list_deactivate,
    price_list_update, product_create, product_deactivate, product_update, quantity_validate, sku_clean,
    tax_category_create, tax_category_update, unit_create, unit_update, variant_attributes_clean,
)
from oms.catalog.services.prices import PRICE_LIST_FIELDS
from oms.catalog.services.products import CUSTOM_TARGET, PRODUCT_FIELDS
from oms.catalog.services.reference import sku_pattern_clean
from oms.core.admin import custom_fields_form
from oms.core.errors import DomainError
from oms.parties.admin import ServiceAdmin, custom_values, form_check, inline_rows


class ProductForm(custom_fields_form(CUSTOM_TARGET, Product)):
    def clean(self):
        data = super().clean()
        if self._errors:
            return data
        if self.instance.pk is None:
            form_check(self, lambda: sku_clean(data.get("sku"), pattern=catalog_settings().sku_pattern))
        form_check(self, lambda: barcode_clean(data.get("barcode")))
        form_check(self, lambda: variant_attributes_clean(data.get("variant_attributes")))
        return data


class VariantInline(admin.TabularInline):
    """Variants are products in their own right: listed here, edited on their own page."""

    model = Product
    fk_name = "parent"
    fields = ("sku", "name", "variant_attributes", "barcode", "active")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = _("variant")
    verbose_name_plural = _("variants")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Product)
class ProductAdmin(ServiceAdmin):
    form = ProductForm
    inlines = [VariantInline]
    list_display = ("sku", "name", "product_type", "unit", "tax_category", "barcode", "parent", "variant_count",
                    "active")
    list_filter = ("product_type", "active", "tax_category", ("parent", admin.EmptyFieldListFilter))
    search_fields = ("sku", "name", "barcode")
    list_select_related = ("unit", "tax_category", "parent")
    autocomplete_fields = ("parent",)
    actions = ["deactivate"]

    def get_readonly_fields(self, request, obj=None):
        # The SKU is fixed once created (see services.products).
        return ("sku", "created_at") if obj is not None else ("created_at",)

    @admin.display(description=_("variants"))
    def variant_count(self, obj):
        count = obj.variants.count()
        if not count:
            return "-"
        url = reverse("admin:catalog_product_changelist") + f"?parent__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, count)

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in PRODUCT_FIELDS if name in form.cleaned_data}
        values["custom"] = custom_values(form)
        if change:
            values.pop("sku", None)
            saved = product_update(product=obj, **values)
        else:
            saved = product_create(**values)
        obj.pk, obj.custom = saved.pk, saved.custom
        obj._state.adding = False

    def save_formset(self, request, form, formset, change):
        inline_rows(formset, ())  # the variants inline is read-only: nothing to save

    @admin.action(description=_("Deactivate selected products"), permissions=["change"])
    def deactivate(self, request, queryset):
        for product in queryset.filter(active=True):
            product_deactivate(product=product)


class PriceItemForm(forms.ModelForm):
    class Meta:
        model = PriceListItem
        fields = ("product", "min_quantity", "price")

    def clean(self):
        data = super().clean()
        if not self._errors and data.get("product") is not None:
            form_check(self, lambda: quantity_validate(product=data["product"], quantity=data.get("min_quantity"),
                                                       field="min_quantity"))
            form_check(self, lambda: price_clean(data.get("price")))
        return data


class PriceItemInline(admin.TabularInline):
    model = PriceListItem
    form = PriceItemForm
    autocomplete_fields = ("product",)
    extra = 1


@admin.register(PriceList)
class PriceListAdmin(ServiceAdmin):
    inlines = [PriceItemInline]
    list_display = ("name", "currency", "customer_group", "tax_inclusive", "valid_from", "valid_to", "priority",
                    "active")
    list_filter = ("currency", "customer_group", "active", "tax_inclusive")
    search_fields = ("name",)
    actions = ["deactivate"]

    def save_model(self, request, obj, form, change):
        if not change:  # the inline needs the list's id; a change is saved with its prices below
            values = {name: form.cleaned_data[name] for name in PRICE_LIST_FIELDS}
            obj.pk = price_list_create(**values).pk
            obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        # Terms and prices in one service call, so a currency change arrives with its new prices.
        values = {name: form.cleaned_data[name] for name in PRICE_LIST_FIELDS} if change else {}
        for formset in formsets:
            rows = inline_rows(formset, ("product", "min_quantity", "price"))
            values["items"] = [{k: v for k, v in row.items() if k != "id"} for row in rows]
        price_list_update(price_list=form.instance, **values)

    @admin.action(description=_("Deactivate selected price lists"), permissions=["change"])
    def deactivate(self, request, queryset):
        for price_list in queryset.filter(active=True):
            price_list_deactivate(price_list=price_list)


class UnitForm(forms.ModelForm):
    class Meta:
        model = UnitOfMeasure
        fields = ("code", "name", "decimals")


@admin.register(UnitOfMeasure)
class UnitOfMeasureAdmin(ServiceAdmin):
    form = UnitForm
    list_display = ("code", "name", "decimals")
    search_fields = ("code", "name")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = unit_update(unit=obj, **data) if change else unit_create(**data)
        obj.pk = saved.pk
        obj._state.adding = False


class TaxCategoryForm(forms.ModelForm):
    class Meta:
        model = TaxCategory
        fields = ("code", "name", "rate")


@admin.register(TaxCategory)
class TaxCategoryAdmin(ServiceAdmin):
    form = TaxCategoryForm
    list_display = ("code", "name", "rate")
    search_fields = ("code", "name")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = tax_category_update(category=obj, **data) if change else tax_category_create(**data)
        obj.pk = saved.pk
        obj._state.adding = False


class CatalogSettingsForm(forms.ModelForm):
    class Meta:
        model = CatalogSettings
        fields = ("sku_pattern",)

    def clean_sku_pattern(self):
        try:
            return sku_pattern_clean(self.cleaned_data["sku_pattern"])
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc


@admin.register(CatalogSettings)
class CatalogSettingsAdmin(ServiceAdmin):
    form = CatalogSettingsForm
    list_display = ("id", "sku_pattern")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not CatalogSettings.objects.exists()  # one row

    def save_model(self, request, obj, form, change):
        obj.pk = catalog_settings_update(sku_pattern=form.cleaned_data["sku_pattern"]).pk
        obj._state.adding = False
