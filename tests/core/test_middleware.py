"""Browser middleware (sessions, CSRF, authentication, messages, frame options) runs for pages, not
for the token-authenticated JSON API under /api/."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_an_api_call_gets_no_session_csrf_or_frame_options_and_still_works(api, client, admin_user):
    client.force_login(admin_user)  # a browser session cookie on the same client is ignored by the API
    response = api.get("customers")
    assert response.status_code == 200, response.content
    assert "X-Frame-Options" not in response.headers
    assert "X-Request-ID" in response.headers  # the request context still runs
    assert "Set-Cookie" not in response.headers
    anonymous = Client().get("/api/v1/customers")
    assert anonymous.status_code == 401  # a session does not authenticate the API, a token does
    assert Client().post("/api/v1/customers", data={}, content_type="application/json").status_code == 401


def test_pages_keep_sessions_csrf_and_frame_options(admin_user):
    browser = Client(enforce_csrf_checks=True)
    login = browser.get("/admin/login/")
    assert login.headers["X-Frame-Options"] == "DENY"
    assert "csrftoken" in login.cookies
    refused = browser.post("/admin/login/", {"username": admin_user.username, "password": "password"})
    assert refused.status_code == 403  # no CSRF token: the check still guards the pages
    browser.force_login(admin_user)
    page = browser.get("/admin/")
    assert page.status_code == 200 and page.wsgi_request.user == admin_user
