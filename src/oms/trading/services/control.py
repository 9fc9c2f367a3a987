"""Controls over many orders at once: the kill switch and the end of the trading day."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta, timezone

from django.db import transaction
from django.db.models import Q

from oms.core.services.audit import audit_record
from oms.trading.fills import close
from oms.trading.models import KillSwitch, TradingAccount, TradingOrder
from oms.trading.services.common import Journal, order_lock, utc_now
from oms.trading.services.orders import cancel_request_open
from oms.trading.services.reference import account_or_firm
from oms.trading.services.reports import order_figures, pending_resolve
from oms.trading.states import WORKING, OrdStatus, transition_check

S = OrdStatus
# Orders that do not outlive their trading day.
DAY_ONLY = ("day", "ioc", "fok", "at_the_open", "at_the_close")


def kill_switch_engage(*, account: TradingAccount | str | None = None, reason: str = "") -> int:
    """Refuse new orders (of one account, or firm-wide) and cancel every working order in scope at once.

    Returns how many orders were canceled or put pending cancel (their cancels are routed after commit;
    an order not routed yet is canceled here). Orders already pending cancel are left to finish.
    """
    account = account_or_firm(account)
    now = utc_now()
    with transaction.atomic():
        # The accounts' rows first, as order_receive takes them: no new order slips in between the
        # switch and the list of orders to cancel.
        accounts = TradingAccount.objects.select_for_update().order_by("id")
        list((accounts.filter(pk=account.pk) if account else accounts).values_list("id", flat=True))
        switch = KillSwitch.objects.select_for_update().filter(account=account).first() or KillSwitch(account=account)
        switch.active, switch.reason = True, reason[:200]
        switch.save()
        working = TradingOrder.objects.filter(status__in=sorted(WORKING - {S.PENDING_CANCEL}))
        if account is not None:
            working = working.filter(account=account)
        journal = Journal()
        count = 0
        for order_id in working.order_by("id").values_list("id", flat=True):
            order = order_lock(order_id)
            if order.status not in WORKING or order.status == S.PENDING_CANCEL:
                continue
            cancel_request_open(order=order, cl_ord_id=f"KILL-{uuid.uuid4().hex[:16]}", journal=journal, now=now,
                                reason=f"kill switch: {reason}")
            order.save()
            count += 1
        audit_record(action="trading_kill_switch.engaged", object_type="trading.killswitch",
                     object_id=account.code if account else "firm", changes={"reason": reason, "cancels": count})
        journal.flush()
    return count


def kill_switch_release(*, account: TradingAccount | str | None = None, reason: str = "") -> KillSwitch:
    account = account_or_firm(account)
    with transaction.atomic():
        switch = KillSwitch.objects.select_for_update().filter(account=account).first() or KillSwitch(account=account)
        switch.active, switch.reason = False, reason[:200]
        switch.save()
        audit_record(action="trading_kill_switch.released", object_type="trading.killswitch",
                     object_id=account.code if account else "firm", changes={"reason": reason})
    return switch


def trading_day_end(*, day: date | None = None) -> dict[str, int]:
    """Close a trading day: day orders (and IOC/FOK, at-the-open/close leftovers) received on or before
    ``day`` expire, good-till-date orders whose expiry has passed by the day's end expire, good-till-
    cancel orders stay working into the next day untouched."""
    now = utc_now()
    day = day or now.date()
    day_end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=timezone.utc)
    due = TradingOrder.objects.filter(status__in=sorted(WORKING)).filter(
        Q(time_in_force__in=DAY_ONLY, trade_date__lte=day) | Q(time_in_force="gtd", expire_at__lte=day_end))
    expired = 0
    with transaction.atomic():
        journal = Journal()
        for order_id in due.order_by("id").values_list("id", flat=True):
            order = order_lock(order_id)
            if order.status not in WORKING:
                continue
            transition_check(order.status, S.EXPIRED)
            order.status = S.EXPIRED
            figures = close(order_figures(order))
            order.leaves_qty = figures.leaves
            pending_resolve(order, now, reason="the order expired at the end of the day")
            journal.add(order, "expired", "expired", at=now, text=f"end of trading day {day.isoformat()}")
            order.save()
            expired += 1
        kept = TradingOrder.objects.filter(status__in=sorted(WORKING), time_in_force__in=["gtc", "gtd"]).count()
        audit_record(action="trading.day_end", object_type="trading.day", object_id=day.isoformat(),
                     changes={"expired": expired, "kept_working": kept})
        journal.flush()
    return {"expired": expired, "kept_working": kept}

