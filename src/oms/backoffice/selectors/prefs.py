"""An operator's preferences."""

from __future__ import annotations

from oms.backoffice.models import UserPreference

SESSION_KEY = "backoffice_language"


def language_of(user) -> str:
    """The language the user chose ("" when none: the browser's language applies)."""
    return UserPreference.objects.filter(user=user).values_list("language", flat=True).first() or ""
