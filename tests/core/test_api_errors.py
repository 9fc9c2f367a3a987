"""API basics: auth, permissions, the one error format, health, OpenAPI, pagination, request ids."""

import base64

import pytest
from django.contrib.auth.models import Group
from openapi_spec_validator import validate

from oms.core.models import AuditRecord, Company
from oms.core.services.audit import audit_record, audit_seal
from oms.core.services.tokens import token_create, token_revoke

pytestmark = pytest.mark.django_db


def error_of(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert "field" in error
    return error


# -- authentication and permissions ------------------------------------------------------------

@pytest.mark.parametrize("path", ["company", "audit", "custom-fields"])
def test_no_token_is_401(anon_api, path):
    error_of(anon_api.get(path), 401, "unauthorized")


@pytest.mark.parametrize("header", ["Bearer oms_not-a-real-token", "Bearer nonsense", "Token abc", "Bearer"])
def test_bad_token_is_401(client, admin_user, header):
    error_of(client.get("/api/v1/company", HTTP_AUTHORIZATION=header), 401, "unauthorized")


def test_token_of_an_inactive_user_is_401(client, django_user_model):
    user = django_user_model.objects.create_user(username="gone", password="pw-12345678")
    _, raw = token_create(username="gone")
    assert client.get("/api/v1/company", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    user.is_active = False
    user.save()
    error_of(client.get("/api/v1/company", HTTP_AUTHORIZATION=f"Bearer {raw}"), 401, "unauthorized")


def test_revoked_token_is_401(client, admin_user):
    token, raw = token_create(username=admin_user.username)
    token_revoke(token=token)
    error_of(client.get("/api/v1/company", HTTP_AUTHORIZATION=f"Bearer {raw}"), 401, "unauthorized")


def test_user_without_permission_is_403(make_api):
    viewer = make_api("viewer", [])
    assert viewer.get("company").status_code == 200
    error = error_of(viewer.patch("company", {"legal_name": "Hijacked"}), 403, "permission_denied")
    assert "core.change_company" in error["message"]
    error_of(viewer.get("audit"), 403, "permission_denied")
    assert not Company.objects.filter(legal_name="Hijacked").exists()


def test_user_with_the_permission_may_patch(make_api):
    editor = make_api("editor", ["core.change_company"])
    response = editor.patch("company", {"legal_name": "Acme Ltd"})
    assert response.status_code == 200, response.content
    assert response.json()["legal_name"] == "Acme Ltd"


# -- request errors ----------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ['{"legal_name": ', "not json", "{'a': 1}"])
def test_malformed_json_is_400(api, raw):
    error = error_of(api.patch("company", raw=raw), 400, "malformed_json")
    assert error["field"] == "body"


@pytest.mark.parametrize("body, field", [({"legal_name": 5}, "legal_name"), ({"city": ["x"]}, "city"),
                                         ({"base_currency": {"code": "USD"}}, "base_currency")])
def test_wrong_types_are_422_naming_the_field(api, body, field):
    error = error_of(api.patch("company", body), 422, "validation_error")
    assert error["field"] == field
    assert error["details"][0]["field"] == field


@pytest.mark.parametrize("currency", ["ZZZ", "usd", "XXX", "US"])
def test_unknown_base_currency_is_422_naming_the_field(api, currency):
    error = error_of(api.patch("company", {"base_currency": currency}), 422, "invalid")
    assert error["field"] == "base_currency"
    assert api.get("company").json()["base_currency"] == "USD"


def test_model_validation_errors_are_422(api):
    error = error_of(api.patch("company", {"country": "USA"}), 422, "validation_error")
    assert error["field"] == "country"
    error = error_of(api.patch("company", {"email": "not-an-email"}), 422, "validation_error")
    assert error["field"] == "email"


def test_unknown_route_is_404_in_the_error_format(api):
    assert api.get("no-such-thing").status_code == 404


def test_patch_company_changes_and_audits(api):
    response = api.patch("company", {"legal_name": "Acme Ltd", "base_currency": "JPY"})
    assert response.status_code == 200
    assert (response.json()["legal_name"], response.json()["base_currency"]) == ("Acme Ltd", "JPY")
    record = AuditRecord.objects.filter(action="company.updated").order_by("-seq").first()
    assert record.changes["base_currency"] == ["USD", "JPY"]
    assert record.changes["legal_name"][1] == "Acme Ltd"


# -- health and OpenAPI ------------------------------------------------------------------------

def test_health_reports_the_database(client, db):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["database"]["vendor"] in ("sqlite", "postgresql")


def test_openapi_document_is_valid_openapi_3(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/company", "/api/v1/audit", "/api/v1/custom-fields"} <= set(spec["paths"])


# -- pagination --------------------------------------------------------------------------------

def walk(api, **params):
    pages, cursor = [], None
    while True:
        query = dict(params, **({"cursor": cursor} if cursor else {}))
        response = api.get("audit", query)
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append([item["id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


def test_pagination_walks_every_record_once_newest_first(api):
    for i in range(11):
        audit_record(action="test.page", object_type="test.thing", object_id=i)
    pages = walk(api, limit=4)
    seqs = [s for page in pages for s in page]
    assert all(len(page) == 4 for page in pages[:-1]) and 1 <= len(pages[-1]) <= 4
    assert len(seqs) == len(set(seqs))
    assert seqs == sorted(seqs, reverse=True)
    assert set(seqs) == set(AuditRecord.objects.values_list("id", flat=True))


def test_pagination_is_stable_while_records_are_added(api):
    for i in range(6):
        audit_record(action="test.page", object_type="test.thing", object_id=i)
    first = api.get("audit", {"limit": 3, "action": "test.page"}).json()
    for i in range(5):
        audit_record(action="test.page", object_type="test.thing", object_id=100 + i)
    second = api.get("audit", {"limit": 3, "action": "test.page", "cursor": first["next_cursor"]}).json()
    first_ids = [item["object_id"] for item in first["items"]]
    second_ids = [item["object_id"] for item in second["items"]]
    assert first_ids == ["5", "4", "3"]
    assert second_ids == ["2", "1", "0"]
    assert second["next_cursor"] is None


def test_filters_and_default_page(api):
    audit_record(action="test.a", object_type="test.thing", object_id="x1")
    audit_record(action="test.b", object_type="test.thing", object_id="x2")
    audit_seal()  # runs after commit in real use; a test runs inside one transaction
    body = api.get("audit", {"object_id": "x2"}).json()
    assert [(i["action"], i["object_id"]) for i in body["items"]] == [("test.b", "x2")]
    assert body["next_cursor"] is None
    assert len(body["items"][0]["hash"]) == 64


@pytest.mark.parametrize("cursor", ["!!!", "abc", "zz", base64.urlsafe_b64encode(b"x1").decode()])
def test_bad_cursor_is_422_naming_cursor(api, cursor):
    error = error_of(api.get("audit", {"cursor": cursor}), 422, "invalid")
    assert error["field"] == "cursor"


@pytest.mark.parametrize("limit", [0, -1, 201, 1000])
def test_limit_out_of_range_is_422(api, limit):
    error = error_of(api.get("audit", {"limit": limit}), 422, "invalid")
    assert error["field"] == "limit"


def test_limit_not_a_number_is_422(api):
    error = error_of(api.get("audit", {"limit": "ten"}), 422, "validation_error")
    assert error["field"].endswith("limit")


def test_limit_bounds_are_accepted(api):
    assert api.get("audit", {"limit": 1}).status_code == 200
    assert api.get("audit", {"limit": 200}).status_code == 200


# -- request ids -------------------------------------------------------------------------------

def test_request_id_is_echoed_and_recorded_in_the_audit_trail(client, admin_user):
    token, raw = token_create(username=admin_user.username)
    response = client.patch("/api/v1/company", data='{"legal_name": "Traced Ltd"}', content_type="application/json",
                            HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_X_REQUEST_ID="req-abc-123")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "req-abc-123"
    record = AuditRecord.objects.filter(action="company.updated").order_by("-seq").first()
    assert record.request_id == "req-abc-123"
    assert (record.actor_type, record.actor_id) == ("token", str(token.pk))
    assert admin_user.username in record.actor_label


def test_request_id_is_generated_when_not_sent(api):
    first, second = api.get("company")["X-Request-ID"], api.get("company")["X-Request-ID"]
    assert first and second and first != second


def test_an_overlong_request_id_is_cut(api):
    response = api.get("company", headers={"X-Request-ID": "r" * 500})
    assert response["X-Request-ID"] == "r" * 64


def test_a_permission_taken_away_applies_to_the_next_request_of_the_same_token(make_api):
    """Permissions travel with the token lookup of each request; nothing is cached between requests."""
    viewer = make_api("viewer", ["parties.view_party"])
    assert viewer.get("customers").status_code == 200
    Group.objects.get(name="group-viewer").permissions.clear()
    response = viewer.get("customers")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
