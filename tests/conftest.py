import json
import os

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection

from oms.core import customfield_cache
from oms.core.services.tokens import token_create


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests skip, visibly, in the SQLite pass; the PostgreSQL pass runs them."""
    on_postgres = os.environ.get("OMS_DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    if on_postgres:
        return
    if os.environ.get("OMS_REQUIRE_POSTGRES") == "1" and not os.environ.get("OMS_TEST_POSTGRES_URL"):
        raise pytest.UsageError("OMS_REQUIRE_POSTGRES=1 but OMS_TEST_POSTGRES_URL is not set")
    skip = pytest.mark.skip(reason="PostgreSQL-only: runs in the PostgreSQL pass (set OMS_TEST_POSTGRES_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_custom_field_cache():
    """A test's rolled-back definitions must not linger in the per-process cache for the next test."""
    customfield_cache.clear()
    yield
    customfield_cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """PBKDF2 costs ~0.3 s per user created; no test here is about password hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"


class ApiClient:
    """A Django test client that speaks JSON to /api/v1 with a bearer token."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def _call(self, method, path, body=None, *, raw=None, headers=None):
        extra = dict(self.headers)
        for name, value in (headers or {}).items():
            extra["HTTP_" + name.upper().replace("-", "_")] = value
        url = path if path.startswith("/") else f"/api/v1/{path}"
        if method == "get":
            return self.client.get(url, body or {}, **extra)
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return getattr(self.client, method)(url, data=data, content_type="application/json", **extra)

    def get(self, path, params=None, **kw):
        return self._call("get", path, params, **kw)

    def post(self, path, body=None, **kw):
        return self._call("post", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self._call("patch", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self._call("put", path, body, **kw)

    def delete(self, path, **kw):
        return self._call("delete", path, None, **kw)


@pytest.fixture
def admin_user(db, django_user_model):
    return django_user_model.objects.create_superuser(username="root", password="pw-root-123")


@pytest.fixture
def api(client, admin_user):
    _, raw = token_create(username=admin_user.username)
    return ApiClient(client, raw)


@pytest.fixture
def anon_api(client, db):
    return ApiClient(client, None)


@pytest.fixture
def make_api(client, db):
    """An API client for a user with exactly the given permissions (via a group)."""
    def factory(username: str, perms: list[str]):
        user = get_user_model().objects.create_user(username=username, password="pw-12345678")
        group = Group.objects.create(name=f"group-{username}")
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        user.groups.add(group)
        _, raw = token_create(username=username)
        return ApiClient(client, raw)

    return factory
