"""The work page's buttons follow the sales transition table: no button for an illegal step."""

from hypothesis import given
from hypothesis import strategies as st

from oms.backoffice.actions import ORDER, OrderFacts, order_actions
from oms.sales.states import OrderStatus, can_transition

S = OrderStatus
facts = st.builds(OrderFacts, status=st.sampled_from(S.values), shipping=st.booleans(), invoicing=st.booleans(),
                  payments=st.booleans(), open_to_ship=st.booleans(), left_to_invoice=st.booleans(),
                  unpaid_invoice=st.booleans())


@given(facts)
def test_every_sales_button_is_a_legal_transition(f):
    actions = order_actions(f)
    target = {"confirm": S.CONFIRMED, "hold": S.ON_HOLD, "cancel": S.CANCELLED, "complete": S.COMPLETED}
    for action, to in target.items():
        assert (action in actions) == (can_transition(f.status, to) and not (action == "confirm" and f.status != S.DRAFT)
                                       and not (action == "hold" and f.status == S.ON_HOLD))
    assert ("release" in actions) == (f.status == S.ON_HOLD)
    assert actions == [a for a in ORDER if a in actions]  # stable display order, no duplicates


@given(facts)
def test_module_buttons_need_the_module_and_something_to_do(f):
    actions = order_actions(f)
    assert ("ship" in actions) == (f.shipping and f.open_to_ship and f.status in (S.CONFIRMED, S.PARTIALLY_FULFILLED))
    assert ("invoice" in actions) == (f.invoicing and f.left_to_invoice and f.status in (
        S.CONFIRMED, S.PARTIALLY_FULFILLED, S.FULFILLED, S.COMPLETED))
    assert ("pay" in actions) == (f.payments and f.unpaid_invoice)


def test_closed_orders_offer_nothing_but_payment():
    for status in (S.CANCELLED,):
        assert order_actions(OrderFacts(status=status, shipping=True, invoicing=True, payments=True,
                                        open_to_ship=True, left_to_invoice=True)) == []
    assert order_actions(OrderFacts(status=S.COMPLETED, payments=True, unpaid_invoice=True)) == ["pay"]
    assert order_actions(OrderFacts(status=S.DRAFT, shipping=True, open_to_ship=True)) == ["confirm", "cancel"]
    assert order_actions(OrderFacts(status=S.ON_HOLD, shipping=True, open_to_ship=True)) == ["release", "cancel"]
