"""Custom fields: definitions, validation of values into their canonical form, filtering, API."""

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from oms.core.errors import DomainError
from oms.core.models import AuditRecord, CustomFieldDefinition
from oms.core.services.customfields import (
    CustomFieldError, custom_field_define, custom_filter, custom_values_clean,
)

pytestmark = pytest.mark.django_db

TARGET = "test.thing"


@pytest.fixture
def fields():
    return {
        "code": custom_field_define(target=TARGET, key="code", label="Code", field_type="text",
                                    max_length=5, pattern=r"[A-Z]+"),
        "qty": custom_field_define(target=TARGET, key="qty", label="Quantity", field_type="number",
                                   min_value=1, max_value=10),
        "weight": custom_field_define(target=TARGET, key="weight", label="Weight", field_type="decimal",
                                      min_value="0", max_value="100.5"),
        "exact": custom_field_define(target=TARGET, key="exact", label="Exact", field_type="decimal"),
        "since": custom_field_define(target=TARGET, key="since", label="Since", field_type="date"),
        "color": custom_field_define(target=TARGET, key="color", label="Color", field_type="choice",
                                     choices=["red", "green"]),
        "vip": custom_field_define(target=TARGET, key="vip", label="VIP", field_type="boolean"),
    }


def clean(values, current=None, target=TARGET):
    return custom_values_clean(target=target, values=values, current=current)


def refused(values, key, current=None):
    with pytest.raises(CustomFieldError) as exc:
        clean(values, current)
    assert exc.value.field == f"custom.{key}"
    assert exc.value.code == "invalid_custom_field" and exc.value.status == 422
    return exc.value.message


# -- definitions -------------------------------------------------------------------------------

def test_definitions_of_every_type_are_stored_and_audited(fields):
    stored = {d.key: d.field_type for d in CustomFieldDefinition.objects.filter(target=TARGET)}
    assert stored == {"code": "text", "qty": "number", "weight": "decimal", "exact": "decimal", "since": "date",
                      "color": "choice", "vip": "boolean"}
    audited = AuditRecord.objects.filter(action="customfield.defined", object_id=str(fields["color"].pk)).get()
    assert audited.changes == {"target": TARGET, "key": "color", "field_type": "choice"}


@pytest.mark.parametrize("kwargs, field", [
    ({"field_type": "float"}, "field_type"),
    ({"field_type": "choice"}, "choices"),
    ({"field_type": "text", "pattern": "[a-"}, "pattern"),
])
def test_bad_definitions_are_refused(kwargs, field):
    with pytest.raises(DomainError) as exc:
        custom_field_define(target=TARGET, key="k", label="K", **kwargs)
    assert exc.value.field == field
    assert not CustomFieldDefinition.objects.filter(target=TARGET).exists()


def test_key_must_be_a_slug_and_unique_per_target():
    with pytest.raises(ValidationError):
        custom_field_define(target=TARGET, key="not a slug", label="K", field_type="text")
    custom_field_define(target=TARGET, key="k", label="K", field_type="text")
    with pytest.raises(ValidationError):
        custom_field_define(target=TARGET, key="k", label="Again", field_type="number")
    custom_field_define(target="other.thing", key="k", label="K", field_type="number")


# -- values ------------------------------------------------------------------------------------

def test_valid_values_are_stored_in_canonical_form(fields):
    result = clean({"code": "ABC", "qty": "7", "weight": "12.5", "since": datetime.date(2025, 2, 28),
                    "color": "red", "vip": "yes"})
    assert result == {"code": "ABC", "qty": 7, "weight": "12.5", "since": "2025-02-28", "color": "red", "vip": True}


def test_unknown_key_is_refused(fields):
    assert "nope" in refused({"nope": 1}, "nope")


def test_required_field_missing_is_refused():
    custom_field_define(target=TARGET, key="ref", label="Reference", field_type="text", required=True)
    assert "required" in refused({}, "ref")
    assert "required" in refused({"ref": None}, "ref", current={"ref": "A1"})
    assert clean({"ref": "A1"}) == {"ref": "A1"}
    assert clean({}, current={"ref": "A1"}) == {"ref": "A1"}


def test_inactive_definitions_do_not_apply():
    defn = custom_field_define(target=TARGET, key="ref", label="Reference", field_type="text", required=True)
    CustomFieldDefinition.objects.filter(pk=defn.pk).update(active=False)
    assert clean({}) == {}
    refused({"ref": "x"}, "ref")


@pytest.mark.parametrize("value, message", [(0, "at least 1"), (11, "at most 10"), ("-3", "at least 1"),
                                            (5.0, "whole number"), (True, "whole number"), ("abc", "whole number"),
                                            ("2.5", "whole number")])
def test_number_bounds_and_type(fields, value, message):
    assert message in refused({"qty": value}, "qty")


@pytest.mark.parametrize("value, expected", [(1, 1), (10, 10), ("4", 4), (" 6 ", 6)])
def test_number_accepted(fields, value, expected):
    assert clean({"qty": value})["qty"] == expected


def test_decimal_is_kept_exact_as_a_string(fields):
    assert clean({"exact": "0.1"})["exact"] == "0.1"
    assert clean({"exact": "12345678901234567890.123456789"})["exact"] == "12345678901234567890.123456789"
    assert clean({"exact": 3})["exact"] == "3"
    assert clean({"weight": "100.5"})["weight"] == "100.5"


@pytest.mark.parametrize("value, message", [(0.1, "decimal"), (True, "decimal"), ("abc", "decimal"),
                                            ("NaN", "finite"), ("Infinity", "finite"),
                                            ("-0.01", "at least 0"), ("100.51", "at most 100.5")])
def test_decimal_refused(fields, value, message):
    assert message in refused({"weight": value}, "weight")


@pytest.mark.parametrize("value", ["2025-02-30", "28/02/2025", "yesterday", "2025-2-3"])
def test_date_format(fields, value):
    assert "YYYY-MM-DD" in refused({"since": value}, "since")


def test_choice_must_be_in_the_list(fields):
    assert "red, green" in refused({"color": "blue"}, "color")
    refused({"color": 1}, "color")
    assert clean({"color": "green"})["color"] == "green"


@pytest.mark.parametrize("value, message", [("ABCDEF", "at most 5"), ("abc", "pattern"), ("AB1", "pattern"),
                                            (123, "text")])
def test_text_max_length_and_pattern(fields, value, message):
    assert message in refused({"code": value}, "code")


@pytest.mark.parametrize("value, expected", [(True, True), (False, False), ("true", True), ("False", False),
                                             ("1", True), ("0", False), ("yes", True), ("NO", False)])
def test_boolean_parsing(fields, value, expected):
    assert clean({"vip": value})["vip"] is expected


@pytest.mark.parametrize("value", ["maybe", 1, 0, "", None])
def test_boolean_refused_or_removed(fields, value):
    if value in ("", None):  # empty means "remove the value"
        assert "vip" not in clean({"vip": value}, current={"vip": True})
    else:
        refused({"vip": value}, "vip")


def test_none_removes_a_value_and_others_are_kept(fields):
    current = {"color": "red", "qty": 3}
    assert clean({"color": None}, current) == {"qty": 3}
    assert clean({"qty": 4}, current) == {"color": "red", "qty": 4}
    assert current == {"color": "red", "qty": 3}  # the caller's dict is not modified


def test_values_must_be_an_object(fields):
    with pytest.raises(CustomFieldError) as exc:
        clean(["red"])
    assert exc.value.field == "custom"


# -- filtering ---------------------------------------------------------------------------------

@pytest.mark.skipif(not apps.is_installed("oms.parties"),
                    reason="custom_filter needs a model with custom fields: the parties module is not enabled")
def test_custom_filter_on_parties():
    from oms.parties.models import Party

    target = "parties.party"
    custom_field_define(target=target, key="color", label="Color", field_type="choice", choices=["red", "green"])
    custom_field_define(target=target, key="qty", label="Qty", field_type="number")
    custom_field_define(target=target, key="vip", label="VIP", field_type="boolean")
    custom_field_define(target=target, key="weight", label="Weight", field_type="decimal")
    specs = {"P1": {"color": "red", "qty": "5", "vip": "yes", "weight": "1.5"},
             "P2": {"color": "green", "qty": 5, "vip": False, "weight": "2.25"},
             "P3": {"color": "red", "qty": 6}}
    for code, values in specs.items():
        Party.objects.create(code=code, name=code, custom=custom_values_clean(target=target, values=values))
    qs = Party.objects.all()

    def codes(**params):
        return sorted(custom_filter(qs, target=target, params=params).values_list("code", flat=True))

    assert codes(cf_color="red") == ["P1", "P3"]
    assert codes(cf_qty="5") == ["P1", "P2"]
    assert codes(cf_color="red", cf_qty="5") == ["P1"]
    assert codes(cf_vip="true") == ["P1"]
    assert codes(cf_vip="false") == ["P2"]
    assert codes(cf_weight="2.25") == ["P2"]
    with pytest.raises(CustomFieldError) as exc:
        codes(cf_nope="x")
    assert exc.value.field == "cf_nope"
    with pytest.raises(CustomFieldError):
        codes(cf_color="blue")


# -- API ---------------------------------------------------------------------------------------

def test_api_creates_a_definition(api):
    response = api.post("custom-fields", {"target": TARGET, "key": "size", "label": "Size",
                                          "field_type": "choice", "choices": ["S", "M", "L"], "required": True})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"] > 0 and body["active"] is True
    assert (body["key"], body["field_type"], body["choices"], body["required"]) == ("size", "choice", ["S", "M", "L"],
                                                                                   True)
    listed = api.get("custom-fields", {"target": TARGET}).json()
    assert [d["key"] for d in listed] == ["size"]
    assert "required" in refused({}, "size")  # and it is enforced from now on


@pytest.mark.parametrize("body, field", [
    ({"field_type": "float"}, "field_type"),
    ({"field_type": "choice"}, "choices"),
    ({"field_type": "text", "pattern": "("}, "pattern"),
    ({"field_type": "text", "label": 5}, "label"),
])
def test_api_refuses_a_bad_definition(api, body, field):
    payload = {"target": TARGET, "key": "k", "label": "K", **body}
    response = api.post("custom-fields", payload)
    assert response.status_code == 422, response.content
    assert response.json()["error"]["field"] == field
    assert not CustomFieldDefinition.objects.filter(target=TARGET).exists()


def test_api_needs_permission_to_define(make_api):
    response = make_api("viewer", []).post("custom-fields", {"target": TARGET, "key": "k", "label": "K",
                                                             "field_type": "text"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
