"""API throttles whose rates come from settings at request time (no view imports: settings load this)."""

from rest_framework import throttling
from rest_framework.settings import api_settings


class SettingsRateMixin:
    """Read the rate from REST_FRAMEWORK at request time.

    DRF's own classes copy the rates once, at import; reading them per request lets a changed setting (and
    `override_settings` in a test) take effect.
    """

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class AnonRateThrottle(SettingsRateMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(SettingsRateMixin, throttling.UserRateThrottle):
    pass


# Rates: API_THROTTLE_ANON and API_THROTTLE_USER (config/settings.py).
API_THROTTLES = [AnonRateThrottle, UserRateThrottle]
