"""Pieces of the REST API shared by every app: throttling, the token endpoint, the health check, the 404 of an API
address that matches no route and the exception handler."""

from django.core.validators import ProhibitNullCharactersValidator
from django.db import DataError
from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import defaults
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import NotFound, ParseError, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

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


def page_not_found(request, exception):
    """An API address that matches no route answers like every other API 404: JSON with `detail`, in the language
    the client asks for. The web pages keep their HTML page."""
    if request.path.startswith("/api/"):
        with translation.override(translation.get_language_from_request(request, check_path=False)):
            return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
    return defaults.page_not_found(request, exception)


def exception_handler(exc, context):
    """DRF's handler, plus: a NUL character anywhere in what the client sent is the client's error (400).

    PostgreSQL text cannot hold NUL, and psycopg refuses such a parameter before it reaches the server. DRF's
    CharField refuses it already; a lookup by a client's value (a related row named by code, a filter's choice, a
    bulk row's natural key) does not, and every one of them would otherwise be a 500.
    """
    if isinstance(exc, DataError) and "NUL" in str(exc):
        exc = ParseError(ProhibitNullCharactersValidator.message)
    return drf_exception_handler(exc, context)
