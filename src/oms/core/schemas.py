"""API schemas shared by every module: money in and out, custom field values."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from ninja import Schema
from pydantic import Field, StrictInt, StrictStr

# Money amounts travel as JSON strings (or integers) so no float ever touches them.
AmountIn = Annotated[StrictStr | StrictInt, Field(description="Decimal amount as a string, e.g. \"12.50\"")]


class MoneyOut(Schema):
    amount: Decimal
    currency: str
