"""Size follows sub-domain (STYLE.md 20): no module over 450 lines, and no function over 60 lines
outside the pure modules (the availability engine, the screening rules, the aftercare plan
builder), whose long functions are tables of rules read top to bottom."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("clinic", "consultations", "bookings", "aftercare")
MAX_MODULE_LINES = 450
MAX_FUNCTION_LINES = 60
PURE_MODULES = {
    "bookings/availability/engine.py",
    "bookings/availability/spacing.py",
    "bookings/availability/data.py",
    "consultations/screening.py",
    "aftercare/plans.py",
}


def _modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or "/tests/" in relative:
                continue
            yield relative, path


def test_no_module_is_longer_than_450_lines():
    long = {
        name: lines for name, path in _modules() if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


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
