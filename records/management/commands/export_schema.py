"""Print (or write) the JSON Schema of a client's export: ``manage.py export_schema --write``
refreshes ``records/client_export_schema.json``, the copy kept in the repository for readers and
other systems (a test fails when the two differ)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from records.schema import export_schema

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "client_export_schema.json"


def schema_text() -> str:
    return json.dumps(export_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


class Command(BaseCommand):
    help = "Print the JSON Schema of a client's export; --write refreshes records/client_export_schema.json."

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help="write it to records/client_export_schema.json")

    def handle(self, *args, write=False, **options):
        text = schema_text()
        if write:
            SCHEMA_FILE.write_text(text, encoding="utf-8")
            self.stdout.write(f"Wrote {SCHEMA_FILE}")
        else:
            self.stdout.write(text, ending="")
