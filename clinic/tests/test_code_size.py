"""Size follows sub-domain (STYLE.md 20): no module over 450 lines, and no function over 60 lines
outside the pure modules (the availability engine, the screening rules, the aftercare plan
builder), whose long functions are tables of rules read top to bottom.

Every app of the project is measured: the local apps in INSTALLED_APPS (a new app is measured
from its first commit)."""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
MAX_MODULE_LINES = 450
MAX_FUNCTION_LINES = 60
PURE_MODULES = {
    "bookings/availability/engine.py",
    "bookings/availability/spacing.py",
    "bookings/availability/data.py",
    "consultations/screening.py",
    "aftercare/plans.py",
}


def _apps() -> list[str]:
    """The project's own apps: those of INSTALLED_APPS that are folders of this repository."""
    names = [name.split(".")[0] for name in settings.INSTALLED_APPS]
    return [name for name in dict.fromkeys(names) if (ROOT / name / "apps.py").exists()]


def _modules():
    for app in _apps():
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or "/tests/" in relative:
                continue
            yield relative, path


def test_every_app_of_the_project_is_measured():
    assert {"clinic", "consultations", "bookings", "aftercare", "records"} <= set(_apps())


def test_no_module_is_longer_than_450_lines():
    sizes = {name: len(path.read_text().splitlines()) for name, path in _modules()}
    assert {name: size for name, size in sizes.items() if size > MAX_MODULE_LINES} == {}


def test_no_function_outside_the_pure_modules_is_longer_than_60_lines():
    long = {}
    for name, path in _modules():
        if name in PURE_MODULES:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long[f"{name}:{node.name}"] = lines
    assert long == {}
