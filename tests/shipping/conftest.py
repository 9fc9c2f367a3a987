import pytest
from world import World, make_world


@pytest.fixture
def world(db) -> World:
    return make_world()
