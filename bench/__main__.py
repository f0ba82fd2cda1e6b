"""`make bench`: runs every bench/bench_*.py against a fresh PostgreSQL database, prints one table
and writes the figures as JSON under bench/results/.

Each module has ``run() -> list[dict]``; a row has ``name``, ``value``, ``unit`` and, where the
issue sets one, ``target`` (a string such as "<= 50") and ``ok``.
"""

import importlib
import json
import os
import pkgutil
import platform
import shutil
import sys
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres:///clinic_bench")


def main(selected: list[str]) -> int:
    import django

    # Photos made by the benches (and by the demo bench_screens loads) go to a folder of this
    # run, not under var/private.
    photos_dir = tempfile.mkdtemp(prefix="bench-photos-")
    os.environ.setdefault("PHOTO_STORAGE_OPTIONS", json.dumps({"location": photos_dir, "base_url": None}))
    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    rows: list[dict] = []
    try:
        here = Path(__file__).resolve().parent
        for info in sorted(pkgutil.iter_modules([str(here)]), key=lambda m: m.name):
            if not info.name.startswith("bench_"):
                continue
            if selected and info.name.removeprefix("bench_") not in selected and info.name not in selected:
                continue
            print(f"… {info.name}", flush=True)
            name = info.name.removeprefix("bench_")
            try:
                module = importlib.import_module(f"bench.{info.name}")
                rows.extend({"bench": name, **row} for row in module.run())
            except Exception as exc:  # one broken bench must not hide the others' figures
                traceback.print_exc()
                rows.append({"bench": name, "name": "error", "value": type(exc).__name__, "ok": False})
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(photos_dir, ignore_errors=True)

    width = max((len(r["name"]) for r in rows), default=10)
    print()
    print(f"{'bench':<14} {'measure':<{width}} {'value':>12} {'unit':<10} {'target':<12} ok")
    for r in rows:
        value = r["value"]
        shown = f"{value:,.1f}" if isinstance(value, float) else f"{value:,}" if isinstance(value, int) else str(value)
        ok = {True: "yes", False: "NO", None: ""}[r.get("ok")]
        print(
            f"{r['bench']:<14} {r['name']:<{width}} {shown:>12} {r.get('unit', ''):<10} {r.get('target', ''):<12} {ok}"
        )

    results = Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    out = results / f"bench-{stamp}.json"
    out.write_text(
        json.dumps(
            {"at": stamp, "machine": {"cpus": os.cpu_count(), "python": platform.python_version()}, "rows": rows},
            indent=2,
            default=str,
        )
    )
    print(f"\nWritten to {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}")
    return 0 if all(r.get("ok") is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
