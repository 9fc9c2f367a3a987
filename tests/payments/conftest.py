import pytest
from payments_kit import Ledger, make_ledger


@pytest.fixture
def ledger(db) -> Ledger:
    return make_ledger()
