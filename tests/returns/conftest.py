import pytest
from world import World, make_world

from oms.inventory.models import Location
from oms.inventory.services import location_create


@pytest.fixture
def world(db) -> World:
    return make_world()


@pytest.fixture
def damaged(world) -> Location:
    return location_create(warehouse=world.warehouse, code="DMG", name="Damaged goods", kind=Location.Kind.DAMAGED)


@pytest.fixture
def scrap(world) -> Location:
    return location_create(warehouse=world.warehouse, code="SCRAP", name="Scrap", kind=Location.Kind.SCRAP)
