"""The export's JSON: one document per client, built from the registry (``clinic.client_data``),
and its schema, generated from the same registry so that the two cannot drift.

Document (``client.json``), version ``SCHEMA_VERSION``::

    {
      "format": "clinic-client-export",
      "schema_version": "2.0",
      "exported_at": "2026-03-05T14:00:00Z",     # ISO 8601, UTC
      "clinic": {"name": ..., "time_zone": ...},
      "client_id": 12,
      "people": {"7": "Anna Practitioner"},       # staff named by id in the sections
      "files": [{"path": "photos/...jpg", "section": "photos", "id": 3}],
      "sections": {"profile": [{...}], "intakes": [{...}], ...}
    }

Each section is a list of rows; each row holds the model's fields by name (a foreign key as
``<name>_id``, the id of the row it points to; times as ISO 8601 UTC strings, decimals as strings,
choices as their codes). ``schema.json`` is a JSON Schema (draft 2020-12) of the document that
gives each section's description and each field's type, meaning and codes. A new version of the
schema adds fields freely; removing or renaming one raises the major version.
"""

from django.db import models

from clinic.client_data import ClientData, client_data_entries

SCHEMA_VERSION = "2.0"  # 2.0: the profile lost marketing_opt_out (one model of consent)
FORMAT = "clinic-client-export"

_JSON_TYPES = {
    "AutoField": "integer",
    "BigAutoField": "integer",
    "IntegerField": "integer",
    "BigIntegerField": "integer",
    "PositiveIntegerField": "integer",
    "PositiveSmallIntegerField": "integer",
    "PositiveBigIntegerField": "integer",
    "SmallIntegerField": "integer",
    "BooleanField": "boolean",
    "FloatField": "number",
}
_FORMATS = {"DateTimeField": "date-time", "DateField": "date", "UUIDField": "uuid", "EmailField": "email"}


def exported_fields(entry: ClientData) -> list[models.Field]:
    return [field for field in entry.model._meta.concrete_fields if field.name not in entry.exclude]


def field_key(field: models.Field) -> str:
    return field.attname


def row_values(entry: ClientData, row) -> dict:
    """One row as the export writes it (before JSON encoding)."""
    return {field_key(field): field.value_from_object(row) for field in exported_fields(entry)}


def _field_schema(field: models.Field) -> dict:
    kind = field.get_internal_type()
    if field.is_relation:
        target = field.related_model._meta.pk.get_internal_type()
        schema = {"type": _JSON_TYPES.get(target, "string")}
        schema["description"] = f"Id of the {field.related_model._meta.verbose_name} this row points to."
    elif kind == "JSONField":
        schema = {"description": str(field.help_text or field.verbose_name)}
    else:
        schema = {"type": _JSON_TYPES.get(kind, "string")}
        if kind in _FORMATS:
            schema["format"] = _FORMATS[kind]
        if kind == "DecimalField":
            schema["pattern"] = r"^-?\d+(\.\d+)?$"
        schema["description"] = str(field.help_text or field.verbose_name)
    if field.choices and not field.is_relation:
        schema["enum"] = [value for value, _ in field.flatchoices]
        schema["x-labels"] = {str(value): str(label) for value, label in field.flatchoices}
    if field.null and "type" in schema:
        schema["type"] = [schema["type"], "null"]
    return schema


def export_schema() -> dict:
    """The JSON Schema of ``client.json`` (its version is ``SCHEMA_VERSION``)."""
    sections = {}
    for entry in client_data_entries():
        sections[entry.section] = {
            "description": entry.description,
            "x-model": entry.model._meta.label,
            "type": "array",
            "items": {
                "type": "object",
                "properties": {field_key(field): _field_schema(field) for field in exported_fields(entry)},
            },
        }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://clinic.example/schemas/client-export/{SCHEMA_VERSION}",
        "title": "Everything a clinic holds about one client",
        "type": "object",
        "required": ["format", "schema_version", "exported_at", "client_id", "sections"],
        "properties": {
            "format": {"const": FORMAT},
            "schema_version": {"const": SCHEMA_VERSION},
            "exported_at": {"type": "string", "format": "date-time"},
            "clinic": {"type": "object", "description": "The clinic's name and time zone."},
            "client_id": {"type": "integer"},
            "people": {"type": "object", "description": "Names of the staff that rows point to, by user id."},
            "files": {"type": "array", "description": "The PDFs and photos in the zip, by path."},
            "sections": {"type": "object", "properties": sections, "required": sorted(sections)},
        },
    }
