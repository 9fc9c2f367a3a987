"""Back office: the operators' stored preferences (set from the language switch in every page's header)."""

from django.contrib import admin

from oms.backoffice.models import UserPreference
from oms.core.admin import ReadOnlyAdmin


@admin.register(UserPreference)
class UserPreferenceAdmin(ReadOnlyAdmin):
    list_display = ("user", "language", "updated_at")
    list_filter = ("language",)
    search_fields = ("user__username",)
    list_select_related = ("user",)
