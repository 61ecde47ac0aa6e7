"""Pieces of the REST API shared by every app: throttling, the token endpoint and the health check."""

from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .throttling import API_THROTTLES, AnonRateThrottle, UserRateThrottle  # noqa: F401


class RequestLanguageMixin:
    """Answer in the language the client asks for (language cookie, then Accept-Language; Latvian otherwise).

    The web pages take their language from the URL prefix, and LocaleMiddleware gives every unprefixed path
    the default language; the API has no prefix, so its views choose from the request themselves.
    """

    def initial(self, request, *args, **kwargs):
        language = translation.get_language_from_request(request._request, check_path=False)
        translation.activate(language)
        request.LANGUAGE_CODE = request._request.LANGUAGE_CODE = language
        super().initial(request, *args, **kwargs)


@extend_schema(
    tags=["Authentication"],
    summary="Obtain an API token",
    description=(
        "Exchange a user name and password for the user's token. Send it on every request as "
        "`Authorization: Token <token>`. Failed attempts count towards the log-in lock-out."
    ),
    auth=[],
    responses=inline_serializer("Token", {"token": serializers.CharField(read_only=True)}),
)
class ObtainTokenView(RequestLanguageMixin, ObtainAuthToken):
    throttle_classes = API_THROTTLES


class RevokeTokenView(RequestLanguageMixin, APIView):
    """Revoke the token the request was made with: a system that is retired, or suspects its token has leaked,
    ends it here. Logging in again with the password gives a new one. The coordinator revokes any user's token in
    the admin (Tokens), and a deactivated user's token stops working at once."""

    permission_classes = [IsAuthenticated]
    throttle_classes = API_THROTTLES

    @extend_schema(
        tags=["Authentication"],
        summary="Revoke the token of this request",
        description="Deletes the token sent in `Authorization: Token <token>`; every later request with it gets 401.",
        request=None,
        responses={204: None},
    )
    def post(self, request):
        if isinstance(request.auth, Token):
            request.auth.delete()
            return Response(status=204)
        raise ValidationError(_("Only a request made with an API token can revoke it."))


class PingView(APIView):
    """A trivial endpoint on the same stack: a health check, and the reference for `bench api-smoke`."""

    permission_classes = [AllowAny]
    throttle_classes = []

    @extend_schema(
        tags=["Health"],
        summary="Health check",
        description="Answers `ok` without touching the database; open to everyone and never throttled.",
        responses=inline_serializer("Ping", {"status": serializers.CharField()}),
    )
    def get(self, request):
        return Response({"status": "ok"})


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, in English unless `?lang=lv` asks for the Latvian labels of filters and choices."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        with translation.override(request.GET.get("lang") or "en"):
            return super().get(request, *args, **kwargs)
