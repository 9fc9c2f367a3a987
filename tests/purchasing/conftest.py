import pytest
from purchasing_kit import Buying, make_buying


@pytest.fixture
def buying(db) -> Buying:
    return make_buying()
