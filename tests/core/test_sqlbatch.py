"""sqlbatch: rows written by hand-built statements read back exactly as the ORM writes and reads them."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, Field, Value
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from oms.core import sqlbatch
from oms.core.models import ApiToken, AuditRecord, CustomFieldDefinition, IdempotencyRecord, OutboxEvent
from oms.core.sqlbatch import fetch_as, insert_together, select_related_where, update_statement, write_together
from oms.inventory.models import StockMove
from oms.sales.models import Channel, SalesOrder
from oms.sales.states import OrderStatus

pytestmark = pytest.mark.django_db


def test_insert_together_writes_what_bulk_create_writes_and_numbers_the_last_group():
    events = [OutboxEvent(event_type="a.b", aggregate_type="x", aggregate_id=str(i),
                          payload={"n": i, "amount": "1.50", "nested": {"k": [1, 2]}}) for i in range(3)]
    claims = [IdempotencyRecord(actor_key="user:1", key=f"k{i}", request_hash="h") for i in range(2)]
    with CaptureQueriesContext(connection) as queries:
        insert_together(claims, events)
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)
    assert all(e.pk is not None and not e._state.adding for e in events)
    assert [e.pk for e in events] == sorted(e.pk for e in events)
    stored = {e.pk: e for e in OutboxEvent.objects.all()}
    for event in events:
        assert stored[event.pk].payload == event.payload and stored[event.pk].created_at == event.created_at
        assert stored[event.pk].attempts == 0 and stored[event.pk].delivered_at is None
    assert IdempotencyRecord.objects.filter(actor_key="user:1").count() == 2


def test_insert_together_runs_the_writes_before_it_in_the_same_round_trip():
    event = OutboxEvent(event_type="a.b", aggregate_type="x", aggregate_id="1")
    insert_together([event])
    update = ("UPDATE core_outboxevent SET attempts = %s WHERE id = %s", [5, event.pk])
    with CaptureQueriesContext(connection) as queries:
        insert_together([OutboxEvent(event_type="c.d", aggregate_type="x", aggregate_id="2")], before=[update])
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)
    assert OutboxEvent.objects.get(pk=event.pk).attempts == 5
    assert OutboxEvent.objects.count() == 2


def test_rows_with_ids_drawn_beforehand_keep_them_and_go_with_rows_that_refer_to_them():
    """PostgreSQL: ids drawn from the sequence beforehand are written as given, in one statement with
    the other rows (so rows that refer to them can go in the same statement)."""
    if connection.vendor != "postgresql":
        assert sqlbatch.next_id_sql(OutboxEvent) is None
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sqlbatch.next_id_sql(OutboxEvent)}, {sqlbatch.next_id_sql(OutboxEvent)}")
        first, second = cursor.fetchone()
    drawn = [OutboxEvent(id=first, event_type="a.b", aggregate_type="x", aggregate_id="1"),
             OutboxEvent(id=second, event_type="a.b", aggregate_type="x", aggregate_id="2")]
    later = [IdempotencyRecord(actor_key="user:1", key="k", request_hash="h")]
    with CaptureQueriesContext(connection) as queries:
        insert_together(drawn, later)
    assert len(queries) == 1
    assert [e.pk for e in drawn] == [first, second] and later[0].pk is not None
    assert list(OutboxEvent.objects.order_by("pk").values_list("pk", "aggregate_id")) == [(first, "1"), (second, "2")]
    # The sequence has moved past them: a row inserted without an id does not collide.
    assert OutboxEvent.objects.create(event_type="c.d", aggregate_type="x", aggregate_id="3").pk > second


def test_rows_of_one_insert_must_all_have_ids_or_none():
    with pytest.raises(ValueError, match="all have a primary key or none"):
        sqlbatch.insert_statement([OutboxEvent(id=10**9, event_type="a", aggregate_type="x", aggregate_id="1"),
                                   OutboxEvent(event_type="a", aggregate_type="x", aggregate_id="2")])


def test_expressions_take_the_compilers_path():
    event = OutboxEvent(event_type="a.b", aggregate_type="x", aggregate_id="1", attempts=Value(2) + Value(5))
    insert_together([event])
    assert OutboxEvent.objects.get(pk=event.pk).attempts == 7


def test_update_statements_write_what_save_writes_in_one_round_trip():
    event = OutboxEvent.objects.create(event_type="a.b", aggregate_type="x", aggregate_id="1")
    other = OutboxEvent.objects.create(event_type="a.b", aggregate_type="x", aggregate_id="2")
    event.payload, event.attempts, event.delivered_at = {"amount": "1.50", "n": [1]}, 3, timezone.now()
    other.attempts, other.aggregate_id, other.delivered_at = 9, "not written", None
    with CaptureQueriesContext(connection) as queries:
        write_together([update_statement(event, ["payload", "attempts", "delivered_at"]),
                        update_statement(other, ["attempts", "delivered_at"])])
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)
    stored = OutboxEvent.objects.get(pk=event.pk)
    assert (stored.payload, stored.attempts, stored.delivered_at) == (event.payload, 3, event.delivered_at)
    assert OutboxEvent.objects.values_list("attempts", "aggregate_id", "delivered_at").get(pk=other.pk) == (
        9, "2", None)
    event.attempts = F("attempts") + 1
    with pytest.raises(ValueError, match="needs the ORM's own UPDATE"):
        update_statement(event, ["attempts"])


def test_update_statements_refuse_models_whose_save_does_more():
    rule = CustomFieldDefinition.objects.create(target="sales.order", key="k", label="K", field_type="decimal")
    rule.min_value = Decimal("1")  # its save() also clears the custom-field cache
    with pytest.raises(ValueError, match="its own save"):
        update_statement(rule, ["min_value"])


def test_many_writes_are_combined_in_groups_under_the_limits():
    events = [OutboxEvent(event_type="a.b", aggregate_type="x", aggregate_id=str(i)) for i in range(250)]
    insert_together(events)
    for event in events:
        event.attempts = 7
    with CaptureQueriesContext(connection) as queries:
        write_together([update_statement(event, ["attempts"]) for event in events])
    assert len(queries) == (3 if connection.vendor == "postgresql" else 250)  # 100 + 100 + 50
    assert set(OutboxEvent.objects.values_list("attempts", flat=True)) == {7}


def test_fetch_as_converts_like_the_orm():
    OutboxEvent.objects.create(event_type="a.b", aggregate_type="x", aggregate_id="1", attempts=3)
    fields = [OutboxEvent._meta.get_field(n) for n in ("aggregate_id", "attempts", "created_at", "payload")]
    (row,) = fetch_as(fields, "SELECT aggregate_id, attempts, created_at, payload FROM core_outboxevent", [])
    orm = OutboxEvent.objects.values_list("aggregate_id", "attempts", "created_at", "payload").get()
    assert row == orm
    assert Decimal(row[1]) == 3


def test_select_related_where_loads_like_select_related(django_user_model):
    user = django_user_model.objects.create_user(username="u1", password="pw-pw-pw-1")
    token = ApiToken.objects.create(user=user, name="t", prefix="oms_abc", key_hash="x" * 64)
    (loaded,) = select_related_where(ApiToken, ["user"], "t0.key_hash = %s", ["x" * 64])
    expected = ApiToken.objects.select_related("user").get(pk=token.pk)
    assert [getattr(loaded, f.attname) for f in ApiToken._meta.concrete_fields] == [
        getattr(expected, f.attname) for f in ApiToken._meta.concrete_fields]
    with CaptureQueriesContext(connection) as queries:
        assert loaded.user.username == "u1" and loaded.user.is_active is True
    assert len(queries) == 0
    assert select_related_where(ApiToken, ["user"], "t0.key_hash = %s", ["nope"]) == []


def test_inserts_are_split_under_the_databases_parameter_limit():
    """PostgreSQL binds at most 65,535 parameters to a statement (server-side binding), SQLite 999."""
    fields = len(sqlbatch._insert_shape(AuditRecord)[0])
    limit = sqlbatch.max_params()
    rows = [AuditRecord(action="x", object_type="t", object_id="1") for _ in range(limit // fields + 5)]
    chunks = sqlbatch._chunks(rows)
    assert len(chunks) >= 2 and sum(map(len, chunks)) == len(rows)
    assert all(len(chunk) * fields <= limit for chunk in chunks)


def _compiler_values(obj) -> list:
    """What Django's insert compiler sends for each plain field of a new row (fields with their own
    pre_save, auto_now and the like, left out: they take a new time on every call)."""
    fields = sqlbatch._insert_shape(type(obj))[0]
    return [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields
            if type(f).pre_save is Field.pre_save]


def _statement_values(obj) -> list:
    fields = sqlbatch._insert_shape(type(obj))[0]
    params = sqlbatch.insert_statement([obj])[1]
    return [p for f, p in zip(fields, params, strict=True) if type(f).pre_save is Field.pre_save]


@settings(max_examples=60, deadline=None)
@given(amount=st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-10**14, max_value=10**14),
       cost=st.none() | st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=0, max_value=10**9))
def test_values_passed_through_are_what_the_fields_prepare(amount, cost):
    """Decimals, money, choices' members, None: the statement sends what the field's own preparation
    returns, of the same type, so the database stores the same value."""
    order = SalesOrder(number="SO-1", customer_id=1, warehouse_id=1, currency="USD", status=OrderStatus.CONFIRMED,
                       channel=Channel.POS, total=amount, tax_total=Decimal("0.0000"), confirmed_at=None)
    move = StockMove(product_id=1, location_id=1, kind=StockMove.Kind.RECEIPT, on_hand_delta=amount,
                     unit_cost=cost, reason="r", reference="x")
    for obj in (order, move):
        expected, sent = _compiler_values(obj), _statement_values(obj)
        assert [type(v) for v in sent] == [type(v) for v in expected]
        # psycopg's JSON wrappers (PostgreSQL) compare by identity: compare what they wrap
        assert [getattr(v, "obj", v) for v in sent] == [getattr(v, "obj", v) for v in expected]


@pytest.mark.parametrize("bad", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_a_decimal_that_is_not_a_number_is_refused_as_the_orm_refuses_it(bad):
    with pytest.raises(ValidationError):
        sqlbatch.insert_statement([StockMove(product_id=1, location_id=1, kind=StockMove.Kind.RECEIPT,
                                             on_hand_delta=bad)])
