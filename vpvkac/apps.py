from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VpvkacConfig(AppConfig):
    name = "vpvkac"
    verbose_name = _("VPVKAC network")

    def ready(self):
        from . import signals  # noqa: F401
