from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    name = "oms.interop"
    label = "interop"
    verbose_name = _("Import and export")

    def ready(self) -> None:
        # The admin has discovered every module's admin.py by now (django.contrib.admin comes first
        # in INSTALLED_APPS): give the list pages of exported models their export buttons.
        from oms.interop.admin_exports import install_export_buttons

        install_export_buttons()
