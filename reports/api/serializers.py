"""Serializers of the open API, built from the data sets' field definitions (reports/open_data.py), so the OpenAPI
schema describes exactly the fields the rows carry. The rows themselves are plain dicts written as they are."""

from rest_framework import serializers

from ..open_data import DATASETS, FieldType


def _field(definition):
    # Code lists are named in the description rather than as enums: an enum component per field name would clash
    # with the enums of the other endpoints' components that share a field name but not the choices.
    help_text = definition.description.en
    if definition.codes:
        help_text += " One of: " + ", ".join(f"`{value}`" for value in definition.code_values) + "."
    options = {"help_text": help_text, "read_only": True}
    if definition.type == FieldType.LIST:
        return serializers.ListField(child=serializers.CharField(), **options)
    kind = {
        FieldType.STRING: serializers.CharField,
        FieldType.INTEGER: serializers.IntegerField,
        FieldType.DECIMAL: serializers.FloatField,
        FieldType.BOOLEAN: serializers.BooleanField,
        FieldType.DATE: serializers.DateField,
        FieldType.DATETIME: serializers.DateTimeField,
    }[definition.type]
    return kind(allow_null=definition.nullable, **options)


def row_serializer(dataset):
    """A serializer class with one read-only field per field of `dataset`, named for the schema's components."""
    name = "Open" + "".join(part.capitalize() for part in dataset.id.split("-")) + "RowSerializer"
    attributes = {definition.name: _field(definition) for definition in dataset.fields}
    attributes["__doc__"] = dataset.description.en
    return type(name, (serializers.Serializer,), attributes)


ROW_SERIALIZERS = {dataset.id: row_serializer(dataset) for dataset in DATASETS.values()}


class OpenFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=list(FieldType.values), help_text="The field's type.")
    description_lv = serializers.CharField()
    description_en = serializers.CharField()
    codes = serializers.ListField(
        child=serializers.CharField(), help_text="The values of the code list the field holds; empty if none."
    )


class OpenLinksSerializer(serializers.Serializer):
    page = serializers.URLField(help_text="The data set's page.")
    api = serializers.URLField(help_text="The data set's API endpoint.")
    csv = serializers.URLField()
    json = serializers.URLField()
    xlsx = serializers.URLField()


class OpenDataSetSerializer(serializers.Serializer):
    id = serializers.CharField()
    title_lv = serializers.CharField()
    title_en = serializers.CharField()
    description_lv = serializers.CharField()
    description_en = serializers.CharField()
    licence = serializers.URLField(help_text="The licence (CC BY 4.0), as the EU licence vocabulary names it.")
    frequency = serializers.CharField(help_text="Update frequency, a code of the EU frequency vocabulary.")
    modified = serializers.DateTimeField(allow_null=True, help_text="The latest change of the data.")
    fields = OpenFieldSerializer(many=True)
    links = OpenLinksSerializer()


class OpenCatalogueSerializer(serializers.Serializer):
    dcat = serializers.URLField(help_text="The catalogue as DCAT-AP JSON-LD.")
    cpsv = serializers.URLField(help_text="The service catalogue as CPSV-AP 3 JSON-LD.")
    datasets = OpenDataSetSerializer(many=True)
