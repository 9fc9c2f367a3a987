from oms.core.models import AuditRecord
from oms.parties.models import Party

ACME = {
    "name": "Acme Ltd", "email": "buy@acme.test", "phone": "+44 20 7946 0000", "tax_id": "GB123456789",
    "currency": "GBP", "credit_limit": "5000", "payment_terms_days": 14,
    "addresses": [{"kind": "billing", "line1": "1 High St", "city": "London", "country": "GB"}],
    "contacts": [{"name": "Ann", "email": "ann@acme.test"}],
}


def test_create_and_get(api):
    response = api.post("customers", ACME)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["code"] == "C00001"
    assert (body["credit_limit"], body["currency"]) == ("5000.00", "GBP")
    assert body["addresses"][0]["is_default"] is True
    assert body["contacts"][0]["name"] == "Ann"
    got = api.get(f"customers/{body['id']}").json()
    assert got == body
    assert AuditRecord.objects.filter(object_type="parties.party", object_id=str(body["id"]),
                                      action="party.created").count() == 1


def test_unknown_customer_is_404(api):
    response = api.get("customers/999")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_supplier_only_party_is_not_a_customer(api, db):
    from oms.parties.services import party_create

    supplier = party_create(name="Parts Inc", is_customer=False, is_supplier=True, currency="USD")
    assert api.get(f"customers/{supplier.pk}").status_code == 404


def test_errors_name_the_field(api):
    cases = [
        ({**ACME, "email": "nope"}, "email"),
        ({**ACME, "currency": "XYZ"}, "currency"),
        ({**ACME, "credit_limit": 12.5}, "credit_limit"),
        ({k: v for k, v in ACME.items() if k != "name"}, "name"),
        ({**ACME, "addresses": [{**ACME["addresses"][0], "country": "GBR"}]}, "addresses.0.country"),
        ({**ACME, "customer_group": "missing"}, "customer_group"),
    ]
    for body, field in cases:
        response = api.post("customers", body)
        assert response.status_code == 422, (field, response.json())
        # A float fails every member of the AmountIn union, so core names the field "credit_limit.str".
        assert response.json()["error"]["field"].split(".str")[0] == field
    assert not Party.objects.exists()


def test_duplicate_code_is_409(api):
    assert api.post("customers", {**ACME, "code": "ACME"}).status_code == 201
    response = api.post("customers", {**ACME, "code": "ACME"})
    assert response.status_code == 409
    assert response.json()["error"]["field"] == "code"


def test_idempotent_create(api):
    first = api.post("customers", ACME, headers={"Idempotency-Key": "abc-1"})
    second = api.post("customers", ACME, headers={"Idempotency-Key": "abc-1"})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Party.objects.count() == 1
    reused = api.post("customers", {**ACME, "name": "Other"}, headers={"Idempotency-Key": "abc-1"})
    assert reused.status_code == 409
    assert reused.json()["error"]["code"] == "idempotency_key_reused"


def test_list_search_filters_and_pages(api):
    api.post("customer-groups", {"code": "vip", "name": "VIP"})
    for i in range(5):
        api.post("customers", {**ACME, "name": f"Customer {i}", "email": f"c{i}@shop.test",
                               "customer_group": "vip" if i % 2 else None})
    page = api.get("customers", {"limit": 2}).json()
    assert [c["name"] for c in page["items"]] == ["Customer 4", "Customer 3"]
    rest = api.get("customers", {"limit": 2, "cursor": page["next_cursor"]}).json()
    assert [c["name"] for c in rest["items"]] == ["Customer 2", "Customer 1"]
    last = api.get("customers", {"limit": 2, "cursor": rest["next_cursor"]}).json()
    assert last["next_cursor"] is None and len(last["items"]) == 1
    assert [c["name"] for c in api.get("customers", {"q": "C3@SHOP"}).json()["items"]] == ["Customer 3"]
    vip = api.get("customers", {"customer_group": "vip"}).json()["items"]
    assert sorted(c["name"] for c in vip) == ["Customer 1", "Customer 3"]


def test_custom_field_filter(api):
    api.post("custom-fields", {"target": "parties.party", "key": "tier", "label": "Tier", "field_type": "number"})
    api.post("customers", {**ACME, "name": "Gold", "custom": {"tier": 1}})
    api.post("customers", {**ACME, "name": "Silver", "custom": {"tier": "2"}})
    items = api.get("customers", {"cf_tier": "2"}).json()["items"]
    assert [(c["name"], c["custom"]) for c in items] == [("Silver", {"tier": 2})]
    bad = api.get("customers", {"cf_nope": "1"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "cf_nope"


def test_patch_and_delete(api):
    customer = api.post("customers", ACME).json()
    address_id = customer["addresses"][0]["id"]
    response = api.patch(f"customers/{customer['id']}", {
        "credit_limit": None, "phone": "123",
        "addresses": [{"id": address_id, "kind": "billing", "line1": "2 High St", "city": "London",
                       "country": "GB"},
                      {"kind": "shipping", "line1": "Dock 4", "city": "Dover", "country": "GB"}]})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["credit_limit"] is None and body["phone"] == "123" and body["email"] == ACME["email"]
    assert [(a["id"] == address_id, a["line1"]) for a in body["addresses"]] == [(True, "2 High St"),
                                                                                (False, "Dock 4")]
    bad = api.patch(f"customers/{customer['id']}", {"email": "x"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "email"
    deleted = api.delete(f"customers/{customer['id']}")
    assert deleted.status_code == 200 and deleted.json()["active"] is False
    assert Party.objects.filter(pk=customer["id"]).exists()
    assert [c["id"] for c in api.get("customers", {"active": "false"}).json()["items"]] == [customer["id"]]
    actions = list(AuditRecord.objects.filter(object_id=str(customer["id"]), object_type="parties.party")
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["party.created", "party.updated", "party.deactivated"]


def test_customer_groups(api):
    assert api.post("customer-groups", {"code": "retail", "name": "Retail"}).status_code == 201
    duplicate = api.post("customer-groups", {"code": "retail", "name": "Again"})
    assert duplicate.status_code == 409
    bad = api.post("customer-groups", {"code": "has space", "name": "X"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "code"
    assert [g["code"] for g in api.get("customer-groups").json()] == ["retail"]
    assert api.patch("customer-groups/retail", {"name": "Retail shops"}).json()["name"] == "Retail shops"


def test_permissions(make_api, anon_api):
    viewer = make_api("viewer", ["parties.view_party"])
    assert viewer.get("customers").status_code == 200
    denied = viewer.post("customers", ACME)
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "permission_denied"
    assert not Party.objects.exists()
    clerk = make_api("clerk", ["parties.add_party"])
    assert clerk.post("customers", ACME).status_code == 201
    assert clerk.get("customers").status_code == 403
    assert clerk.delete(f"customers/{Party.objects.get().pk}").status_code == 403
    assert anon_api.get("customers").status_code == 401
