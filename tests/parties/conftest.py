import pytest

from oms.core.models import CustomFieldDefinition
from oms.parties.services import customer_group_create, party_create


@pytest.fixture
def wholesale(db):
    return customer_group_create(code="wholesale", name="Wholesale")


@pytest.fixture
def make_party(db):
    def factory(name="Acme Ltd", **kwargs):
        kwargs.setdefault("currency", "EUR")
        return party_create(name=name, **kwargs)

    return factory


@pytest.fixture
def region_field(db):
    """A custom choice field on parties."""
    return CustomFieldDefinition.objects.create(target="parties.party", key="region", label="Sales region",
                                                field_type="choice", choices=["north", "south"])
