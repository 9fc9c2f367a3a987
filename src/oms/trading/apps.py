from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TradingConfig(AppConfig):
    name = "oms.trading"
    label = "trading"
    verbose_name = _("Trading")
