from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


class PingView(APIView):
    """A trivial endpoint on the same stack: a health check, and the reference for `bench api-smoke`."""

    permission_classes = [AllowAny]
    throttle_classes = []

    @extend_schema(responses=inline_serializer("Ping", {"status": serializers.CharField()}))
    def get(self, request):
        return Response({"status": "ok"})
