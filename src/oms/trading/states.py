"""The order lifecycle in FIX OrdStatus terms: one table of allowed transitions, checked by one function.

The statuses are FIX 4.4 OrdStatus (tag 39) plus ``denied``, our own status for an order our
pre-trade checks stopped before it left. A status may "move" to itself where FIX allows it (a
second partial fill, a fill while a cancel is pending, a bust on a cancelled order).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from oms.core.errors import InvalidTransition


class OrdStatus(models.TextChoices):
    PENDING_NEW = "pending_new", _("pending new")
    NEW = "new", _("new")
    PARTIALLY_FILLED = "partially_filled", _("partially filled")
    FILLED = "filled", _("filled")
    DONE_FOR_DAY = "done_for_day", _("done for day")
    PENDING_CANCEL = "pending_cancel", _("pending cancel")
    CANCELED = "canceled", _("canceled")
    PENDING_REPLACE = "pending_replace", _("pending replace")
    REJECTED = "rejected", _("rejected")
    STOPPED = "stopped", _("stopped")
    SUSPENDED = "suspended", _("suspended")
    EXPIRED = "expired", _("expired")
    DENIED = "denied", _("denied")


class Side(models.TextChoices):
    BUY = "buy", _("buy")
    SELL = "sell", _("sell")
    SELL_SHORT = "sell_short", _("sell short")


class OrderType(models.TextChoices):
    MARKET = "market", _("market")
    LIMIT = "limit", _("limit")
    STOP = "stop", _("stop")
    STOP_LIMIT = "stop_limit", _("stop limit")


class TimeInForce(models.TextChoices):
    DAY = "day", _("day")
    GTC = "gtc", _("good till cancel")
    IOC = "ioc", _("immediate or cancel")
    FOK = "fok", _("fill or kill")
    GTD = "gtd", _("good till date")
    AT_THE_OPEN = "at_the_open", _("at the open")
    AT_THE_CLOSE = "at_the_close", _("at the close")


S = OrdStatus
PN, NEW, PF, FILLED, DFD = S.PENDING_NEW, S.NEW, S.PARTIALLY_FILLED, S.FILLED, S.DONE_FOR_DAY
PCXL, CXL, PREP, REJ, STOPPED, SUSP, EXP, DENIED = (S.PENDING_CANCEL, S.CANCELED, S.PENDING_REPLACE, S.REJECTED,
                                                     S.STOPPED, S.SUSPENDED, S.EXPIRED, S.DENIED)

TRANSITIONS: dict[str, frozenset[str]] = {
    # Before the venue's acknowledgement: our checks may deny it; the venue may ack, reject or fill it at once;
    # the client may ask to cancel or replace.
    PN: frozenset({NEW, PF, FILLED, REJ, DENIED, CXL, EXP, PCXL, PREP, SUSP}),
    NEW: frozenset({PF, FILLED, PCXL, PREP, CXL, EXP, DFD, SUSP, STOPPED}),
    # PF -> NEW: every fill busted. PF -> PF: another partial fill or a bust of one of several fills.
    PF: frozenset({PF, NEW, FILLED, PCXL, PREP, CXL, EXP, DFD, SUSP, STOPPED}),
    # A bust reopens a filled order; a correction may keep it filled.
    FILLED: frozenset({FILLED, PF, NEW}),
    DFD: frozenset({NEW, PF, FILLED, PCXL, PREP, CXL, EXP}),
    # While a cancel or replace is pending, fills keep arriving on the original terms (status unchanged
    # unless they fill the order); a cancel reject returns the order to its working status.
    PCXL: frozenset({PCXL, CXL, NEW, PF, FILLED, EXP, SUSP}),
    PREP: frozenset({PREP, NEW, PF, FILLED, CXL, EXP, SUSP, PCXL}),
    SUSP: frozenset({NEW, PF, PCXL, CXL, EXP}),
    STOPPED: frozenset({PF, FILLED, CXL}),
    # Done: a bust or correction of an earlier fill changes the quantities, never the status.
    CXL: frozenset({CXL}),
    EXP: frozenset({EXP}),
    REJ: frozenset(),
    DENIED: frozenset(),
}

# Statuses with quantity still open at (or on its way to) the venue.
WORKING = frozenset({PN, NEW, PF, PCXL, PREP, SUSP, STOPPED, DFD})
DONE = frozenset({FILLED, CXL, REJ, EXP, DENIED})
PENDING_REQUEST = frozenset({PCXL, PREP})
# Statuses from which a client may ask to cancel or replace.
CANCELABLE = frozenset({PN, NEW, PF, SUSP, DFD, STOPPED})
REPLACEABLE = frozenset({PN, NEW, PF, SUSP, DFD})


def can_transition(from_state: str, to_state: str) -> bool:
    return to_state in TRANSITIONS.get(from_state, frozenset())


def transition_check(from_state: str, to_state: str) -> None:
    if not can_transition(from_state, to_state):
        raise InvalidTransition(kind="trading order", from_state=str(from_state), to_state=str(to_state))


def working_status(*, cum: Decimal, leaves: Decimal) -> str:
    """The status a working order has by its quantities alone (after an ack, a replace, a cancel reject)."""
    if leaves <= 0:
        return FILLED
    return PF if cum > 0 else NEW


def status_after_fill(current: str, *, cum: Decimal, leaves: Decimal) -> str:
    """A fill fills the order, or keeps a pending cancel/replace pending, or makes the order partially filled."""
    if leaves <= 0:
        return FILLED
    if current in (PCXL, PREP, CXL, EXP):
        return current
    return PF


def status_after_bust(current: str, *, cum: Decimal, leaves: Decimal) -> str:
    """A bust or correction: a done order stays done (cancelled, expired); others follow their quantities."""
    if current in (CXL, EXP, PCXL, PREP, SUSP):
        return current
    return working_status(cum=cum, leaves=leaves)
