import pytest
from django.core.cache import cache

from oms.demo import demo_load


@pytest.fixture
def demo(db):
    return demo_load()


@pytest.fixture
def staff(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture(autouse=True)
def _no_cached_dashboard_history():
    """The dashboard keeps closed days' aggregates in the (per-process) cache; each test starts clean."""
    cache.clear()
    yield
    cache.clear()
