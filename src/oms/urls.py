from django.contrib import admin
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from oms.api import api
from oms.core.views import health

admin.site.site_header = _("OMS")
admin.site.site_title = _("OMS back office")
admin.site.index_title = _("Back office")

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("health", health, name="health"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
