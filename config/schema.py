"""The OpenAPI schema class of every API view: drf-spectacular's, plus what it leaves out of the answers.

DRF itself answers 401 to a missing or wrong token, 403 when a permission refuses, 404 for an unknown row, a page
past the end or an address that matches no route, 400 for a body it cannot parse or a query value it cannot read,
415 for a body in a media type the operation does not take, and 429 when a throttle trips. drf-spectacular
documents none of these unless each view says so; a client reading the schema (and the API fuzzing test,
tests/security/test_api_fuzz.py) must find every status code the API can answer with. A view's own description of
a code (`responses={404: ...}` in `extend_schema`) always wins over the general one here.
"""

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What is wrong, in the language the client asked for.")

    class Meta:
        ref_name = "Error"


ERRORS = {
    "400": "Invalid: the body maps each field (or `non_field_errors`) to its messages, or `detail` says why "
    "the request could not be read.",
    "401": "No token, or a token that is not valid (any more).",
    "403": "The user may not do this.",
    "404": "No such row among those the user may read, or a page past the end of the list.",
    "415": "The body is not in one of the media types the operation takes.",
    "429": "Too many requests; `Retry-After` says how many seconds to wait.",
}


class ApiAutoSchema(AutoSchema):
    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation["responses"]
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        for code in self._possible_errors(operation):
            if code in responses:
                self._admit_detail(responses[code], code, operation, error)
                continue
            response = {"description": ERRORS[code]}
            if code != "400":
                # A validation error's body is keyed by field, so only the `detail` answers have one shape.
                response["content"] = {"application/json": {"schema": error}}
            responses[code] = response
        return operation

    def _admit_detail(self, response, code, operation, error):
        """A view that documents its own body for a code (the bulk endpoints' list of row errors) can still get
        DRF's {"detail": ...} for it: a body that is no JSON (400), a permission that refuses (403)."""
        if code == "400" and "requestBody" not in operation:
            return
        content = response.get("content", {}).get("application/json")
        if content and content.get("schema") != error and "oneOf" not in content.get("schema", {}):
            content["schema"] = {"oneOf": [content["schema"], error]}

    def _possible_errors(self, operation):
        view = self.view
        codes = []
        takes_query = any(parameter.get("in") == "query" for parameter in operation.get("parameters", []))
        if self.method in ("POST", "PUT", "PATCH") or "requestBody" in operation or takes_query:
            codes.append("400")
        if view.get_authenticators():
            codes.append("401")
        if not all(isinstance(permission, AllowAny) for permission in view.get_permissions()):
            codes.append("403")
        if "{" in self.path or self._is_list_view() and getattr(view, "pagination_class", None):
            codes.append("404")
        if "requestBody" in operation:
            codes.append("415")
        if view.get_throttles():
            codes.append("429")
        return codes

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # A choice field documented as a named enum component (services.api.serializers.named_choices) keeps the
        # component's values only; a field that may be blank also answers and takes "".
        if isinstance(field, serializers.ChoiceField) and field.allow_blank and isinstance(schema, dict):
            ref = schema.get("$ref") or next(iter(schema.get("allOf", [])), {}).get("$ref")
            if ref:
                rest = {key: value for key, value in schema.items() if key not in ("$ref", "allOf")}
                return {"anyOf": [{"$ref": ref}, {"type": "string", "enum": [""]}], **rest}
        return _blank_url(field, schema)

    def _insert_field_validators(self, field, schema):
        # The URL validator puts `format: uri` back.
        super()._insert_field_validators(field, schema)
        _blank_url(field, schema)


def _blank_url(field, schema):
    """A URL field that may be blank (an optional model URLField) answers "", which is no URI."""
    if (
        isinstance(field, serializers.URLField)
        and (field.read_only or field.allow_blank)
        and isinstance(schema, dict)
        and schema.get("format") == "uri"
    ):
        del schema["format"]
        schema["anyOf"] = [{"format": "uri"}, {"maxLength": 0}]
    return schema
