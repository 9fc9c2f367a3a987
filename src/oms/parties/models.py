"""Parties: customers and suppliers (one model with roles), their addresses and contacts."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from oms.core.models import CustomFieldsMixin, MoneyField


class CustomerGroup(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("customer group")
        verbose_name_plural = _("customer groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Party(CustomFieldsMixin):
    code = models.CharField(_("code"), max_length=50, unique=True,
                            help_text=_("The business's own customer or supplier number"))
    name = models.CharField(_("name"), max_length=200, db_index=True)
    is_customer = models.BooleanField(_("customer"), default=True)
    is_supplier = models.BooleanField(_("supplier"), default=False)
    email = models.EmailField(_("email"), blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True, db_index=True)
    tax_id = models.CharField(_("tax id"), max_length=50, blank=True, db_index=True)
    customer_group = models.ForeignKey(CustomerGroup, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="parties", verbose_name=_("customer group"))
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    payment_terms_days = models.PositiveIntegerField(_("payment terms (days)"), default=30)
    credit_limit = MoneyField(_("credit limit"), null=True, blank=True,
                              help_text=_("In the party's currency; empty means no limit"))
    language = models.CharField(_("language"), max_length=10, default="en")
    notes = models.TextField(_("notes"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("customers and suppliers")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Address(models.Model):
    class Kind(models.TextChoices):
        BILLING = "billing", _("billing")
        SHIPPING = "shipping", _("shipping")

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="addresses",
                              verbose_name=_("party"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200, blank=True)
    line1 = models.CharField(_("address line 1"), max_length=200)
    line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100)
    region = models.CharField(_("region"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 alpha-2 code"))
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        return f"{self.line1}, {self.city} {self.country}"

    def as_dict(self) -> dict:
        return {"name": self.name, "line1": self.line1, "line2": self.line2, "city": self.city,
                "region": self.region, "postal_code": self.postal_code, "country": self.country}


class Contact(models.Model):
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="contacts",
                              verbose_name=_("party"))
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name
