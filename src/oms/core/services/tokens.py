"""API tokens: shown once when created, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from oms.core.errors import NotFound
from oms.core.models import ApiToken
from oms.core.services.audit import audit_record
from oms.core.sqlbatch import select_related_where

TOKEN_PREFIX = "oms_"


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, username: str, name: str = "") -> tuple[ApiToken, str]:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotFound(f"No user named {username!r}", field="username")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, prefix=raw[:12], key_hash=_hash(raw))
        audit_record(action="token.created", object_type="core.apitoken", object_id=token.pk,
                     changes={"user": username, "name": name, "prefix": token.prefix})
    return token, raw


def token_revoke(*, token: ApiToken) -> None:
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
        audit_record(action="token.revoked", object_type="core.apitoken", object_id=token.pk, changes={})


def token_authenticate(raw: str) -> ApiToken | None:
    if not raw.startswith(TOKEN_PREFIX):
        return None
    # Every API request runs this: one plain query (select_related without compiling a QuerySet).
    found = select_related_where(ApiToken, ["user"], "t0.key_hash = %s AND t0.revoked_at IS NULL", [_hash(raw)])
    token = found[0] if found else None
    if token is None or not token.user.is_active:
        return None
    return token
