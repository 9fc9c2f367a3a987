"""custom_plans: statements planned for their own values, for that transaction only."""

import pytest
from django.db import connection

from oms.core.plans import custom_plans

pytestmark = pytest.mark.django_db


def _mode() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        return cursor.fetchone()[0]


@pytest.mark.postgres
def test_custom_plans_hold_inside_the_block_only():
    before = _mode()
    with custom_plans():
        assert _mode() == "force_custom_plan"
    assert _mode() == before != "force_custom_plan"


@pytest.mark.postgres
def test_an_error_inside_rolls_the_setting_back_with_the_block():
    before = _mode()
    with pytest.raises(ZeroDivisionError), custom_plans():
        1 / 0
    assert _mode() == before
