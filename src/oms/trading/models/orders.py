"""Orders, the requests made on them, their append-only event log, executions, positions, allocations."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from oms.trading.models.reference import AMOUNT, PX, QTY, Instrument, TradingAccount, Venue
from oms.trading.states import DONE, OrderType, OrdStatus, Side, TimeInForce


class TradingOrder(models.Model):
    number = models.CharField(_("order id"), max_length=40, unique=True)
    # No index of its own: trading_order_acct_instr_idx starts with it.
    account = models.ForeignKey(TradingAccount, db_index=False, on_delete=models.PROTECT, related_name="orders",
                                verbose_name=_("account"))
    # Empty for an order rejected because its instrument is unknown (``instrument_ref`` says what was asked).
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="orders", verbose_name=_("instrument"))
    instrument_ref = models.CharField(_("instrument as received"), max_length=40)
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, null=True, blank=True, related_name="orders",
                              verbose_name=_("venue"))
    cl_ord_id = models.CharField(_("ClOrdID"), max_length=64)
    orig_cl_ord_id = models.CharField(_("OrigClOrdID"), max_length=64, blank=True)
    side = models.CharField(_("side"), max_length=10, choices=Side.choices)
    order_type = models.CharField(_("type"), max_length=10, choices=OrderType.choices)
    time_in_force = models.CharField(_("time in force"), max_length=12, choices=TimeInForce.choices)
    quantity = models.DecimalField(_("quantity"), **QTY)
    price = models.DecimalField(_("limit price"), null=True, blank=True, **PX)
    stop_price = models.DecimalField(_("stop price"), null=True, blank=True, **PX)
    expire_at = models.DateTimeField(_("expires"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=OrdStatus.choices, default=OrdStatus.PENDING_NEW)
    reject_code = models.CharField(_("reject code"), max_length=40, blank=True)
    reject_text = models.CharField(_("reject reason"), max_length=300, blank=True)
    cum_qty = models.DecimalField(_("filled"), default=Decimal(0), **QTY)
    leaves_qty = models.DecimalField(_("open"), default=Decimal(0), **QTY)
    avg_px = models.DecimalField(_("average price"), default=Decimal(0), **PX)
    block_id = models.CharField(_("block id"), max_length=64, blank=True,
                                help_text=_("Set on a block order: its fills are allocated to accounts later"))
    source = models.CharField(_("source"), max_length=20, default="api")
    venue_order_id = models.CharField(_("venue order id"), max_length=64, blank=True)
    acknowledged = models.BooleanField(_("acknowledged by the venue"), default=False)
    # The ClOrdID the venue knows the order by now (ours, not the client's): the last accepted new or replace.
    routed_cl_ord_id = models.CharField(_("routed ClOrdID"), max_length=80, blank=True)
    request_count = models.PositiveIntegerField(_("requests"), default=0)
    event_count = models.PositiveIntegerField(_("events"), default=0)
    received_at = models.DateTimeField(_("received"))
    trade_date = models.DateField(_("trade date"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("trading order")
        verbose_name_plural = _("trading orders")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "id"], name="trading_order_status_idx"),
            models.Index(fields=["account", "instrument", "status"], name="trading_order_acct_instr_idx"),
            models.Index(fields=["received_at"], name="trading_order_received_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="trading_order_quantity_positive"),
            models.CheckConstraint(condition=Q(cum_qty__gte=0) & Q(leaves_qty__gte=0),
                                   name="trading_order_quantities_not_negative"),
            # FIX: quantity = cum + leaves while the order works; nothing left open once it is done.
            models.CheckConstraint(
                condition=(Q(status__in=sorted(DONE)) & Q(leaves_qty=0))
                | (~Q(status__in=sorted(DONE)) & Q(quantity=F("cum_qty") + F("leaves_qty"))),
                name="trading_order_quantity_invariant"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def working(self) -> bool:
        return self.status not in DONE


class OrderRequest(models.Model):
    """Every ClOrdID an account used (new, cancel, replace) and the id we routed it under."""

    class Kind(models.TextChoices):
        NEW = "new", _("new order")
        CANCEL = "cancel", _("cancel")
        REPLACE = "replace", _("replace")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")

    # No index of its own: trading_request_clordid_unique starts with it.
    account = models.ForeignKey(TradingAccount, db_index=False, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(TradingOrder, on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    cl_ord_id = models.CharField(_("ClOrdID"), max_length=64)
    orig_cl_ord_id = models.CharField(_("OrigClOrdID"), max_length=64, blank=True)
    routed_id = models.CharField(_("routed ClOrdID"), max_length=80, unique=True)
    # The routed ClOrdID of the order this cancel/replace refers to, as the venue knew it when asked.
    orig_routed_id = models.CharField(_("routed OrigClOrdID"), max_length=80, blank=True)
    # The routing outbox: set in the transaction that accepts the request, cleared by the process hosting the
    # venue's gateway once it has sent it (``oms.trading.services.routing``).
    route_pending = models.BooleanField(_("waiting to be routed"), default=False)
    routed_at = models.DateTimeField(_("routed"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    quantity = models.DecimalField(_("quantity"), null=True, blank=True, **QTY)
    price = models.DecimalField(_("price"), null=True, blank=True, **PX)
    stop_price = models.DecimalField(_("stop price"), null=True, blank=True, **PX)
    time_in_force = models.CharField(_("time in force"), max_length=12, blank=True)
    expire_at = models.DateTimeField(_("expires"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("order request")
        verbose_name_plural = _("order requests")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "cl_ord_id"], name="trading_request_clordid_unique"),
        ]
        indexes = [
            models.Index(fields=["account", "kind", "created_at"], name="trading_request_rate_idx"),
            models.Index(fields=["id"], condition=Q(route_pending=True), name="trading_request_to_route_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.cl_ord_id}"


class OrderEvent(models.Model):
    """One event in an order's life, with its UTC microsecond timestamp. Written once, never edited."""

    # No index of its own: trading_event_seq_unique starts with it.
    order = models.ForeignKey(TradingOrder, db_index=False, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField(_("sequence"))
    event = models.CharField(_("event"), max_length=30)
    exec_id = models.CharField(_("our ExecID"), max_length=60, unique=True)
    exec_type = models.CharField(_("ExecType"), max_length=20)
    ord_status = models.CharField(_("OrdStatus"), max_length=20)
    at = models.DateTimeField(_("at (UTC)"))
    cl_ord_id = models.CharField(_("ClOrdID"), max_length=64)
    orig_cl_ord_id = models.CharField(_("OrigClOrdID"), max_length=64, blank=True)
    quantity = models.DecimalField(_("quantity"), **QTY)
    price = models.DecimalField(_("price"), null=True, blank=True, **PX)
    last_qty = models.DecimalField(_("last quantity"), default=Decimal(0), **QTY)
    last_px = models.DecimalField(_("last price"), default=Decimal(0), **PX)
    cum_qty = models.DecimalField(_("filled"), **QTY)
    leaves_qty = models.DecimalField(_("open"), **QTY)
    avg_px = models.DecimalField(_("average price"), **PX)
    venue = models.CharField(_("venue"), max_length=20, blank=True)
    reject_code = models.CharField(_("reject code"), max_length=40, blank=True)
    text = models.CharField(_("text"), max_length=300, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["order", "seq"], name="trading_event_seq_unique")]
        indexes = [models.Index(fields=["at"], name="trading_event_at_idx")]

    def __str__(self) -> str:
        return f"{self.order} #{self.seq} {self.event}"


class Execution(models.Model):
    """Every execution report a venue sent (ExecID unique per venue); fills are the ``trade`` ones."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        BUSTED = "busted", _("busted")
        CORRECTED = "corrected", _("corrected")

    # No index of its own: trading_execution_unique_per_venue starts with it.
    venue = models.ForeignKey(Venue, db_index=False, on_delete=models.PROTECT, related_name="executions")
    exec_id = models.CharField(_("ExecID"), max_length=64)
    # No index of its own: trading_exec_order_idx starts with it.
    order = models.ForeignKey(TradingOrder, db_index=False, on_delete=models.PROTECT, related_name="executions")
    # No index of its own: trading_exec_position_idx starts with it.
    account = models.ForeignKey(TradingAccount, db_index=False, on_delete=models.PROTECT, related_name="executions")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="executions")
    side = models.CharField(_("side"), max_length=10, choices=Side.choices)
    exec_type = models.CharField(_("ExecType"), max_length=20)
    ord_status = models.CharField(_("OrdStatus"), max_length=20)
    last_qty = models.DecimalField(_("quantity"), default=Decimal(0), **QTY)
    last_px = models.DecimalField(_("price"), default=Decimal(0), **PX)
    liquidity = models.CharField(_("liquidity"), max_length=10, blank=True)
    commission = models.DecimalField(_("commission"), default=Decimal(0), **AMOUNT)
    fees = models.DecimalField(_("fees"), default=Decimal(0), **AMOUNT)
    ref_exec_id = models.CharField(_("refers to ExecID"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    is_fill = models.BooleanField(_("fill"), default=False)
    transact_time = models.DateTimeField(_("venue time"))
    received_at = models.DateTimeField(_("received"))
    trade_date = models.DateField(_("trade date"))
    text = models.CharField(_("text"), max_length=300, blank=True)
    # The fill's place in its position's history, taken under the position's lock (replays follow it).
    position_seq = models.PositiveIntegerField(_("position sequence"), null=True, blank=True)

    class Meta:
        verbose_name = _("execution")
        verbose_name_plural = _("executions")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["venue", "exec_id"], name="trading_execution_unique_per_venue"),
            models.CheckConstraint(condition=Q(last_qty__gte=0), name="trading_execution_qty_not_negative"),
        ]
        indexes = [
            models.Index(fields=["account", "instrument", "is_fill"], name="trading_exec_position_idx"),
            models.Index(fields=["order", "is_fill"], name="trading_exec_order_idx"),
            models.Index(fields=["trade_date"], name="trading_exec_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.venue_id}:{self.exec_id}"


class Position(models.Model):
    """Derived from fills (and allocations of block orders); ``oms trading check`` proves it."""

    # No index of its own: trading_position_unique starts with it.
    account = models.ForeignKey(TradingAccount, db_index=False, on_delete=models.PROTECT, related_name="positions")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="positions")
    quantity = models.DecimalField(_("quantity"), default=Decimal(0), **QTY)
    avg_cost = models.DecimalField(_("average cost"), default=Decimal(0), **PX)
    realised_pnl = models.DecimalField(_("realised P&L"), default=Decimal(0), **PX)
    # The exact state (cost and FIFO lots as decimal strings) that the next trade builds on.
    state = models.JSONField(_("state"), default=dict)
    trade_count = models.PositiveIntegerField(_("trades"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["account", "instrument"]
        constraints = [models.UniqueConstraint(fields=["account", "instrument"], name="trading_position_unique")]

    def __str__(self) -> str:
        return f"{self.account} {self.instrument} {self.quantity}"


class Allocation(models.Model):
    """A part of a block order's fills given to one account at the block's average price."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        REVERSED = "reversed", _("reversed")

    order = models.ForeignKey(TradingOrder, on_delete=models.PROTECT, related_name="allocations")
    account = models.ForeignKey(TradingAccount, on_delete=models.PROTECT, related_name="allocations")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="allocations")
    side = models.CharField(_("side"), max_length=10, choices=Side.choices)
    method = models.CharField(_("method"), max_length=10)
    share = models.DecimalField(_("share asked"), **QTY)
    quantity = models.DecimalField(_("quantity"), **QTY)
    avg_px = models.DecimalField(_("average price"), **PX)
    gross = models.DecimalField(_("gross amount"), **AMOUNT)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("created"))
    position_seq = models.PositiveIntegerField(_("position sequence"), null=True, blank=True)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="trading_allocation_qty_not_negative"),
            models.UniqueConstraint(fields=["order", "account"], condition=Q(status="active"),
                                    name="trading_allocation_one_active_per_account"),
        ]

    def __str__(self) -> str:
        return f"{self.order} -> {self.account} {self.quantity}"
