"""API tokens: shown once when created, stored only as a SHA-256 hash."""

from __future__ import annotations

import functools
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from oms.core.errors import NotFound
from oms.core.models import ApiToken
from oms.core.services.audit import audit_record
from oms.core.sqlbatch import select_related_where

TOKEN_PREFIX = "oms_"
DEFAULT_BACKEND = "django.contrib.auth.backends.ModelBackend"


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


@functools.cache
def _permissions_sql(vendor: str) -> str:
    """The token user's permissions ("app_label.codename", space-separated), granted directly or through
    groups: what Django's ModelBackend reads with two more queries on the request's first permission check."""
    user_model = get_user_model()
    user_perms = user_model.user_permissions.through._meta.db_table
    user_groups = user_model.groups.through._meta.db_table
    group_perms = Group.permissions.through._meta.db_table
    joined = "ct.app_label || '.' || p.codename"
    aggregate = f"string_agg({joined}, ' ')" if vendor == "postgresql" else f"group_concat({joined}, ' ')"
    return (f"SELECT {aggregate} FROM {Permission._meta.db_table} p "
            f"JOIN {ContentType._meta.db_table} ct ON ct.id = p.content_type_id "
            f"WHERE p.id IN (SELECT permission_id FROM {user_perms} WHERE user_id = t0.user_id "
            f"UNION SELECT gp.permission_id FROM {user_groups} ug JOIN {group_perms} gp ON gp.group_id = ug.group_id "
            "WHERE ug.user_id = t0.user_id)")


def token_authenticate(raw: str) -> ApiToken | None:
    if not raw.startswith(TOKEN_PREFIX):
        return None
    # Every API request runs this: one plain query (select_related without compiling a QuerySet) that
    # also reads the user's permissions, so that checking them costs no query in this request.
    found = select_related_where(ApiToken, ["user"], "t0.key_hash = %s AND t0.revoked_at IS NULL", [_hash(raw)],
                                 annotations={"permissions": _permissions_sql(connection.vendor)})
    token = found[0] if found else None
    if token is None or not token.user.is_active:
        return None
    # ModelBackend's per-request cache of the user's and groups' permissions (read fresh on every request).
    # Not for superusers (ModelBackend gives them every permission) nor with other backends configured.
    if not token.user.is_superuser and settings.AUTHENTICATION_BACKENDS == [DEFAULT_BACKEND]:
        token.user._perm_cache = set((token.permissions or "").split())
    return token
