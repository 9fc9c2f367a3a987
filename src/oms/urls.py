from django.apps import apps
from django.contrib import admin
from django.urls import include, path
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
]
if apps.is_installed("oms.backoffice"):
    from oms.backoffice.views.dashboard import home as backoffice_home

    urlpatterns += [
        path("admin/", backoffice_home, name="backoffice-home"),  # the admin home, with the dashboard on top
        path("backoffice/", include("oms.backoffice.urls")),
    ]
urlpatterns += [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
