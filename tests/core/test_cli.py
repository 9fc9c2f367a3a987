"""Management commands: API tokens and the back-office administrator."""

import re
import stat
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from oms.core.models import ApiToken, AuditRecord
from oms.core.services.tokens import TOKEN_PREFIX, token_revoke

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def company(client, raw):
    return client.get("/api/v1/company", HTTP_AUTHORIZATION=f"Bearer {raw}")


# -- tokens ------------------------------------------------------------------------------------

def test_token_create_prints_a_token_that_authenticates(client, django_user_model):
    django_user_model.objects.create_user(username="clerk", password="pw-12345678")
    raw = run("token", "create", "clerk", "--name", "shop sync")
    assert raw.startswith(TOKEN_PREFIX) and "\n" not in raw
    assert company(client, raw).status_code == 200
    token = ApiToken.objects.get(prefix=raw[:12])
    assert (token.user.username, token.name) == ("clerk", "shop sync")
    assert raw not in token.key_hash  # only a hash is stored
    assert AuditRecord.objects.filter(action="token.created", object_id=str(token.pk)).exists()


def test_each_token_is_different_and_works(client, django_user_model):
    django_user_model.objects.create_user(username="clerk", password="pw-12345678")
    first, second = run("token", "create", "clerk"), run("token", "create", "clerk")
    assert first != second
    assert company(client, first).status_code == company(client, second).status_code == 200


def test_token_create_for_an_unknown_user_fails():
    with pytest.raises(CommandError, match="nobody"):
        run("token", "create", "nobody")
    assert not ApiToken.objects.exists()


def test_revoked_token_is_refused_and_others_keep_working(client, django_user_model):
    django_user_model.objects.create_user(username="clerk", password="pw-12345678")
    revoked, kept = run("token", "create", "clerk"), run("token", "create", "clerk")
    token_revoke(token=ApiToken.objects.get(prefix=revoked[:12]))
    response = company(client, revoked)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert company(client, kept).status_code == 200
    assert AuditRecord.objects.filter(action="token.revoked").count() == 1


def test_token_revoked_in_the_admin_is_refused(client, admin_user):
    raw = run("token", "create", admin_user.username)
    token = ApiToken.objects.get(prefix=raw[:12])
    client.force_login(admin_user)
    response = client.post("/admin/core/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302
    client.logout()
    assert company(client, raw).status_code == 401


# -- createadmin -------------------------------------------------------------------------------

LOGIN = re.compile(r"Back-office login: user '(?P<user>[^']+)', password '(?P<password>[^']+)'")


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def test_createadmin_creates_a_superuser_and_prints_a_working_login(client, data_dir):
    match = LOGIN.search(run("createadmin", "--username", "boss"))
    assert match and match["user"] == "boss"
    user = get_user_model().objects.get(username="boss")
    assert user.is_superuser and user.is_staff and user.is_active
    assert client.login(username="boss", password=match["password"])
    assert client.get("/admin/").status_code == 200
    secret = data_dir / "boss-password.txt"
    assert secret.read_text().strip() == match["password"]
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600


def test_createadmin_twice_does_not_fail_and_keeps_the_password(client, data_dir):
    first = LOGIN.search(run("createadmin", "--username", "boss"))
    second = LOGIN.search(run("createadmin", "--username", "boss"))
    assert first["password"] == second["password"]
    assert get_user_model().objects.filter(username="boss").count() == 1
    assert client.login(username="boss", password=second["password"])
    assert AuditRecord.objects.filter(action="user.created").count() == 1


def test_createadmin_with_a_password_sets_it(client, data_dir):
    run("createadmin", "--username", "boss", "--password", "first-pass-123")
    assert client.login(username="boss", password="first-pass-123")
    out = run("createadmin", "--username", "boss", "--password", "second-pass-456")
    assert "second-pass-456" in out
    assert client.login(username="boss", password="second-pass-456")
    assert not client.login(username="boss", password="first-pass-123")


def test_createadmin_password_file_is_private_even_when_written_later(data_dir, django_user_model):
    django_user_model.objects.create_superuser(username="boss", password="old-pass-123")
    run("createadmin", "--username", "boss", "--password", "new-pass-456")
    secret = data_dir / "boss-password.txt"
    assert secret.read_text().strip() == "new-pass-456"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600


def test_createadmin_for_an_existing_user_without_a_stored_password(data_dir, django_user_model):
    django_user_model.objects.create_superuser(username="boss", password="old-pass-123")
    out = run("createadmin", "--username", "boss")
    assert "not stored here" in out
