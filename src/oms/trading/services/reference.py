"""Reference data services: venues, instruments (ISIN checked), trading accounts, risk limits, restrictions."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from stdnum import isin as stdnum_isin
from stdnum.exceptions import ValidationError as StdnumError

from oms.core.errors import Conflict, DomainError, NotFound
from oms.core.money import is_known_currency, to_decimal
from oms.core.services.audit import audit_record
from oms.core.sqlbatch import select_related_where
from oms.parties.models import Party
from oms.trading.models import Instrument, Restriction, RiskLimit, TradingAccount, Venue
from oms.trading.positions import METHODS

LIMIT_FIELDS = ("max_order_quantity", "max_order_value", "max_position", "max_daily_value", "price_collar_percent",
                "max_orders_per_second", "duplicate_window_seconds")


def _code(value: str, field: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(f"{field} is required", field=field, code="required")
    if len(value) > max_length:
        raise DomainError(f"{field} is longer than {max_length} characters", field=field)
    return value


def _currency(code: str, field: str = "currency") -> str:
    if not is_known_currency(code):
        raise DomainError(f"Unknown currency {code!r}", field=field, code="unknown_currency")
    return code


def _positive(value, field: str) -> Decimal:
    number = to_decimal(value, field=field)
    if number <= 0:
        raise DomainError(f"{field} must be greater than zero", field=field, code="invalid_amount")
    return number


def _mic(value: str) -> str:
    value = (value or "").strip().upper()
    if value and (len(value) != 4 or not value.isalnum()):
        raise DomainError("A MIC is 4 letters or digits (ISO 10383), e.g. XNAS", field="mic", code="invalid_mic")
    return value


def isin_clean(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return stdnum_isin.validate(value)
    except StdnumError as exc:
        raise DomainError(f"{value!r} is not a valid ISIN: {exc}", field="isin", code="invalid_isin") from exc


def _save(obj, what: str) -> None:
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise Conflict(f"{what} already exists", field="code", code="duplicate") from exc


def venue_create(*, code: str, name: str, mic: str = "") -> Venue:
    venue = Venue(code=_code(code, "code", 20), name=_code(name, "name", 100), mic=_mic(mic))
    with transaction.atomic():
        _save(venue, f"Venue {venue.code!r}")
        audit_record(action="trading_venue.created", object_type="trading.venue", object_id=venue.code,
                     changes={"name": venue.name, "mic": venue.mic})
    return venue


def instrument_create(*, symbol: str, name: str, currency: str, tick_size, lot_size="1", isin: str | None = None,
                      mic: str = "", price_decimals: int = 2, quantity_decimals: int = 0,
                      reference_price=None) -> Instrument:
    if not 0 <= price_decimals <= 8:
        raise DomainError("price_decimals must be 0 to 8", field="price_decimals")
    if not 0 <= quantity_decimals <= 4:
        raise DomainError("quantity_decimals must be 0 to 4", field="quantity_decimals")
    instrument = Instrument(
        symbol=_code(symbol, "symbol", 30), name=_code(name, "name", 200), currency=_currency(currency),
        tick_size=_positive(tick_size, "tick_size"), lot_size=_positive(lot_size, "lot_size"), isin=isin_clean(isin),
        mic=_mic(mic), price_decimals=price_decimals, quantity_decimals=quantity_decimals,
        reference_price=None if reference_price is None else _positive(reference_price, "reference_price"))
    with transaction.atomic():
        _save(instrument, f"Instrument {instrument.symbol!r} (or its ISIN)")
        audit_record(action="trading_instrument.created", object_type="trading.instrument",
                     object_id=instrument.symbol,
                     changes={"isin": instrument.isin, "currency": instrument.currency, "mic": instrument.mic,
                              "tick_size": str(instrument.tick_size), "lot_size": str(instrument.lot_size)})
    return instrument


def instrument_get(ref: str) -> Instrument | None:
    """By symbol, else by ISIN (one plain query: every order runs it)."""
    found = select_related_where(Instrument, [], "t0.symbol = %s OR t0.isin = %s "
                                 "ORDER BY CASE WHEN t0.symbol = %s THEN 0 ELSE 1 END, t0.symbol LIMIT 1",
                                 [ref, ref, ref])
    return found[0] if found else None


def instrument_update(*, instrument: Instrument, reference_price=None, halted: bool | None = None,
                      active: bool | None = None) -> Instrument:
    """Set the reference price (for collars), halt or resume trading, (de)activate."""
    with transaction.atomic():
        instrument = Instrument.objects.select_for_update().get(pk=instrument.pk)
        changes: dict = {}
        if reference_price is not None:
            price = _positive(reference_price, "reference_price")
            changes["reference_price"] = [str(instrument.reference_price), str(price)]
            instrument.reference_price = price
        for name, value in (("halted", halted), ("active", active)):
            if value is not None and getattr(instrument, name) != value:
                changes[name] = [getattr(instrument, name), value]
                setattr(instrument, name, value)
        instrument.save()
        if changes:
            audit_record(action="trading_instrument.updated", object_type="trading.instrument",
                         object_id=instrument.symbol, changes=changes)
    return instrument


def account_create(*, code: str, name: str, owner: Party | str, base_currency: str, default_venue: str | None = None,
                   short_selling_allowed: bool = False, cost_method: str = "fifo", lei: str = "") -> TradingAccount:
    if isinstance(owner, str):
        found = Party.objects.filter(code=owner).first()
        if found is None:
            raise NotFound(f"No party {owner!r}", field="owner", code="unknown_owner")
        owner = found
    if cost_method not in METHODS:
        raise DomainError(f"cost_method must be one of {list(METHODS)}", field="cost_method")
    venue = None
    if default_venue:
        venue = Venue.objects.filter(code=default_venue).first()
        if venue is None:
            raise NotFound(f"No venue {default_venue!r}", field="default_venue", code="unknown_venue")
    account = TradingAccount(code=_code(code, "code", 30), name=_code(name, "name", 200), owner=owner,
                             base_currency=_currency(base_currency, "base_currency"), default_venue=venue,
                             short_selling_allowed=bool(short_selling_allowed), cost_method=cost_method,
                             lei=(lei or "").strip())
    with transaction.atomic():
        _save(account, f"Trading account {account.code!r}")
        audit_record(action="trading_account.created", object_type="trading.account", object_id=account.code,
                     changes={"owner": owner.code, "base_currency": account.base_currency,
                              "default_venue": default_venue, "short_selling_allowed": account.short_selling_allowed,
                              "cost_method": cost_method})
    return account


def account_or_firm(account: TradingAccount | str | None) -> TradingAccount | None:
    if account is None or isinstance(account, TradingAccount):
        return account
    found = TradingAccount.objects.filter(code=account).first()
    if found is None:
        raise NotFound(f"No trading account {account!r}", field="account", code="unknown_account")
    return found


def risk_limit_set(*, account: TradingAccount | str | None = None, **limits) -> RiskLimit:
    """Set the limits of an account, or firm-wide with no account; a limit given as None is removed."""
    unknown = set(limits) - set(LIMIT_FIELDS)
    if unknown:
        raise DomainError(f"Unknown limit(s) {sorted(unknown)}", field=sorted(unknown)[0])
    account = account_or_firm(account)
    clean: dict = {}
    for name, value in limits.items():
        if value is None:
            clean[name] = None
        elif name in ("max_orders_per_second", "duplicate_window_seconds"):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise DomainError(f"{name} must be a whole number of at least 1", field=name)
            clean[name] = value
        else:
            clean[name] = _positive(value, name)
    with transaction.atomic():
        limit = RiskLimit.objects.select_for_update().filter(account=account).first() or RiskLimit(account=account)
        before = {name: getattr(limit, name) for name in clean}
        for name, value in clean.items():
            setattr(limit, name, value)
        limit.save()
        audit_record(action="trading_risk_limit.set", object_type="trading.risklimit",
                     object_id=account.code if account else "firm",
                     changes={n: [None if before[n] is None else str(before[n]), None if v is None else str(v)]
                              for n, v in clean.items()})
    return limit


def restriction_add(*, instrument: Instrument | str, account: TradingAccount | str | None = None,
                    reason: str = "") -> Restriction:
    account = account_or_firm(account)
    if isinstance(instrument, str):
        found = instrument_get(instrument)
        if found is None:
            raise NotFound(f"No instrument {instrument!r}", field="instrument", code="unknown_instrument")
        instrument = found
    existing = Restriction.objects.filter(account=account, instrument=instrument).first()
    if existing:
        return existing
    with transaction.atomic():
        restriction = Restriction.objects.create(account=account, instrument=instrument, reason=reason[:200])
        audit_record(action="trading_restriction.added", object_type="trading.restriction", object_id=restriction.pk,
                     changes={"instrument": instrument.symbol, "account": account.code if account else "firm",
                              "reason": reason})
    return restriction


def restriction_remove(*, restriction: Restriction) -> None:
    with transaction.atomic():
        audit_record(action="trading_restriction.removed", object_type="trading.restriction",
                     object_id=restriction.pk, changes={"instrument": restriction.instrument.symbol,
                                                        "account": restriction.account.code if restriction.account
                                                        else "firm"})
        restriction.delete()
