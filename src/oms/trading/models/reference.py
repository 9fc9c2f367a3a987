"""Reference data (venues, instruments, trading accounts) and the risk settings that apply to them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from oms.parties.models import Party

QTY = {"max_digits": 19, "decimal_places": 4}
PX = {"max_digits": 19, "decimal_places": 8}
AMOUNT = {"max_digits": 19, "decimal_places": 4}


class Venue(models.Model):
    """Where orders are routed: an exchange, an MTF or a broker; ``code`` names its gateway."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    mic = models.CharField(_("MIC"), max_length=4, blank=True, help_text=_("ISO 10383 market identifier code"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Instrument(models.Model):
    symbol = models.CharField(_("symbol"), max_length=30, unique=True)
    isin = models.CharField(_("ISIN"), max_length=12, unique=True, null=True, blank=True)
    name = models.CharField(_("name"), max_length=200)
    mic = models.CharField(_("exchange (MIC)"), max_length=4, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    tick_size = models.DecimalField(_("tick size"), **PX)
    lot_size = models.DecimalField(_("lot size"), **QTY)
    price_decimals = models.PositiveSmallIntegerField(_("price decimals"), default=2)
    quantity_decimals = models.PositiveSmallIntegerField(_("quantity decimals"), default=0)
    reference_price = models.DecimalField(_("reference price"), null=True, blank=True,
                                          help_text=_("The price collars are checked around"), **PX)
    active = models.BooleanField(_("active"), default=True)
    halted = models.BooleanField(_("trading halted"), default=False)

    class Meta:
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")
        ordering = ["symbol"]
        constraints = [
            models.CheckConstraint(condition=Q(tick_size__gt=0), name="trading_instrument_tick_positive"),
            models.CheckConstraint(condition=Q(lot_size__gt=0), name="trading_instrument_lot_positive"),
            models.CheckConstraint(condition=Q(price_decimals__lte=8), name="trading_instrument_price_decimals"),
            models.CheckConstraint(condition=Q(quantity_decimals__lte=4), name="trading_instrument_qty_decimals"),
        ]

    def __str__(self) -> str:
        return self.symbol


class TradingAccount(models.Model):
    class CostMethod(models.TextChoices):
        FIFO = "fifo", _("FIFO")
        AVERAGE = "average", _("average cost")

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    owner = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="trading_accounts",
                              verbose_name=_("owner"))
    base_currency = models.CharField(_("base currency"), max_length=3)
    default_venue = models.ForeignKey(Venue, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("default venue"))
    short_selling_allowed = models.BooleanField(_("short selling allowed"), default=False)
    cost_method = models.CharField(_("P&L method"), max_length=10, choices=CostMethod.choices,
                                   default=CostMethod.FIFO)
    lei = models.CharField(_("LEI"), max_length=20, blank=True,
                           help_text=_("Legal entity identifier of the owner, for transaction reports"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("trading account")
        verbose_name_plural = _("trading accounts")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class RiskLimit(models.Model):
    """Pre-trade limits of one account, or firm-wide (no account) for accounts without their own."""

    account = models.OneToOneField(TradingAccount, on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="risk_limit", verbose_name=_("account"))
    max_order_quantity = models.DecimalField(_("max order quantity"), null=True, blank=True, **QTY)
    max_order_value = models.DecimalField(_("max order value"), null=True, blank=True, **AMOUNT)
    max_position = models.DecimalField(_("max position"), null=True, blank=True, **QTY)
    max_daily_value = models.DecimalField(_("max daily traded value"), null=True, blank=True, **AMOUNT)
    price_collar_percent = models.DecimalField(_("price collar (%)"), null=True, blank=True, max_digits=7,
                                               decimal_places=3)
    max_orders_per_second = models.PositiveIntegerField(_("max new orders per second"), null=True, blank=True)
    duplicate_window_seconds = models.PositiveIntegerField(_("duplicate window (s)"), null=True, blank=True)

    class Meta:
        verbose_name = _("risk limit")
        verbose_name_plural = _("risk limits")
        constraints = [
            # NULLs are distinct in a unique index: coalesce so there is one firm-wide row at most.
            models.UniqueConstraint(Coalesce("account", Value(0)), name="trading_risklimit_one_per_scope"),
        ]

    def __str__(self) -> str:
        return f"limits of {self.account or 'the firm'}"


class Restriction(models.Model):
    """A restricted instrument: for one account, or firm-wide (no account)."""

    account = models.ForeignKey(TradingAccount, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="restrictions", verbose_name=_("account"))
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="restrictions",
                                   verbose_name=_("instrument"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("restricted instrument")
        verbose_name_plural = _("restricted instruments")
        constraints = [
            models.UniqueConstraint(Coalesce("account", Value(0)), "instrument", name="trading_restriction_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} restricted for {self.account or 'the firm'}"


class KillSwitch(models.Model):
    """Engaged, it refuses new orders (of one account, or of the whole firm with no account)."""

    account = models.OneToOneField(TradingAccount, on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="kill_switch", verbose_name=_("account"))
    active = models.BooleanField(_("engaged"), default=False)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    changed_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("kill switch")
        verbose_name_plural = _("kill switches")
        constraints = [
            models.UniqueConstraint(Coalesce("account", Value(0)), name="trading_killswitch_one_per_scope"),
        ]

    def __str__(self) -> str:
        return f"kill switch of {self.account or 'the firm'}"
