from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransformationConfig(AppConfig):
    name = "transformation"
    verbose_name = _("Service transformation")
