"""Trading API: instruments, accounts, venues, risk limits, restrictions, kill switch."""

from __future__ import annotations

from ninja import Header, Router

from oms.core.apikit import idempotent, require_perm
from oms.trading.api.reference_schemas import (
    AccountIn, AccountOut, InstrumentIn, InstrumentOut, InstrumentPatch, KillSwitchIn, KillSwitchOut, RestrictionIn,
    RestrictionOut, RiskLimitIn, RiskLimitOut, VenueIn, VenueOut,
)
from oms.trading.models import Instrument, Restriction, TradingAccount, Venue
from oms.trading.selectors import account_get, instrument_get, kill_switches, risk_limit_get
from oms.trading.services import (
    account_create, instrument_create, instrument_update, kill_switch_engage, kill_switch_release, restriction_add,
    risk_limit_set, venue_create,
)

router = Router(tags=["trading"])


def _create(request, perm: str, key: str | None, payload, make, schema):
    require_perm(request, perm)
    return idempotent(request, key=key, body=payload.dict(),
                      action=lambda: (201, schema.from_orm(make()).model_dump(mode="json")))


@router.post("/trading/instruments", response={201: InstrumentOut})
def instruments_new(request, payload: InstrumentIn,
                    idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    return _create(request, "trading.add_instrument", idempotency_key, payload,
                   lambda: instrument_create(**payload.dict()), InstrumentOut)


@router.get("/trading/instruments", response=list[InstrumentOut])
def instruments_index(request, active: bool | None = None):
    require_perm(request, "trading.view_instrument")
    qs = Instrument.objects.all()
    if active is not None:
        qs = qs.filter(active=active)
    return list(qs[:5000])


@router.get("/trading/instruments/{ref}", response=InstrumentOut)
def instruments_get(request, ref: str):
    require_perm(request, "trading.view_instrument")
    return instrument_get(ref=ref)


@router.patch("/trading/instruments/{ref}", response=InstrumentOut)
def instruments_patch(request, ref: str, payload: InstrumentPatch):
    """Set the reference price (price collars), halt or resume trading, (de)activate."""
    require_perm(request, "trading.change_instrument")
    return instrument_update(instrument=instrument_get(ref=ref), **payload.dict())


@router.post("/trading/accounts", response={201: AccountOut})
def accounts_new(request, payload: AccountIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    return _create(request, "trading.add_tradingaccount", idempotency_key, payload,
                   lambda: account_create(**payload.dict()), AccountOut)


@router.get("/trading/accounts", response=list[AccountOut])
def accounts_index(request):
    require_perm(request, "trading.view_tradingaccount")
    return list(TradingAccount.objects.select_related("owner", "default_venue")[:5000])


@router.get("/trading/accounts/{code}", response=AccountOut)
def accounts_get(request, code: str):
    require_perm(request, "trading.view_tradingaccount")
    return account_get(code=code)


@router.post("/trading/venues", response={201: VenueOut})
def venues_new(request, payload: VenueIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    return _create(request, "trading.add_venue", idempotency_key, payload, lambda: venue_create(**payload.dict()),
                   VenueOut)


@router.get("/trading/venues", response=list[VenueOut])
def venues_index(request):
    require_perm(request, "trading.view_venue")
    return list(Venue.objects.all())


@router.get("/trading/risk-limits", response=RiskLimitOut | None)
def risk_limits_get(request, account: str | None = None):
    """The limits of an account (its own only), or the firm-wide limits with no account."""
    require_perm(request, "trading.view_risklimit")
    return risk_limit_get(account=account)


@router.put("/trading/risk-limits", response=RiskLimitOut)
def risk_limits_put(request, payload: RiskLimitIn,
                    idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """Set every limit of an account (or firm-wide); a limit left out or null is not checked."""
    require_perm(request, "trading.change_risklimit")
    data = payload.dict()
    account = data.pop("account")

    def action():
        limit = risk_limit_set(account=account, **data)
        return 200, RiskLimitOut.from_orm(limit).model_dump(mode="json")

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


@router.post("/trading/restrictions", response={201: RestrictionOut})
def restrictions_new(request, payload: RestrictionIn,
                     idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    return _create(request, "trading.add_restriction", idempotency_key, payload,
                   lambda: restriction_add(**payload.dict()), RestrictionOut)


@router.get("/trading/restrictions", response=list[RestrictionOut])
def restrictions_index(request):
    require_perm(request, "trading.view_restriction")
    return list(Restriction.objects.select_related("instrument", "account"))


@router.get("/trading/kill-switch", response=list[KillSwitchOut])
def kill_switch_index(request):
    require_perm(request, "trading.view_killswitch")
    return [{"account": s.account.code if s.account_id else None, "engaged": s.active, "reason": s.reason}
            for s in kill_switches()]


@router.post("/trading/kill-switch", response=KillSwitchOut)
def kill_switch_set(request, payload: KillSwitchIn,
                    idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """Engage (refuse new orders and cancel every working order in scope at once) or release."""
    require_perm(request, "trading.change_killswitch")

    def action():
        if payload.engaged:
            sent = kill_switch_engage(account=payload.account, reason=payload.reason)
        else:
            kill_switch_release(account=payload.account, reason=payload.reason)
            sent = None
        return 200, {"account": payload.account, "engaged": payload.engaged, "reason": payload.reason,
                     "cancels_sent": sent}

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)
