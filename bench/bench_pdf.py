"""Aftercare PDF rendering: time per document (p50/p95) for a 1-page and a 3-page plan, and the
worker's memory (RSS) after 200 renders.

Wall-clock times depend on what else runs on the machine; the CPU-time rows show the cost of
a render on its own. Renders the real template through ``clinic.pdf.pdf_from_template`` (the static-only fetcher,
fonts embedded) with plans built by ``aftercare.plans.build_plan`` from the protocol the data
migration installs. Run: ``DATABASE_URL=postgres:///clinic_bench_d .venv/bin/python -m bench pdf``.
"""

import re
import statistics
import subprocess
import tempfile
import time
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

RUNS = 40
MEMORY_RENDERS = 200
TZ = ZoneInfo("Europe/London")


class _Clinic:
    name = "Lumen Skin Clinic"
    address = "14 Harbour Street\nBristol BS1 4RT"
    phone = "+44 117 496 0123"
    email = "hello@lumenskin.example"


def _pages(pdf: bytes) -> int:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        info = subprocess.run(["pdfinfo", handle.name], capture_output=True, check=True, text=True).stdout  # noqa: S607
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _percentile(values, q) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _contexts():
    from aftercare import plans
    from aftercare.selectors import protocol_for

    full = protocol_for(treatment_slug="microneedling")
    completed_at = datetime(2026, 3, 5, 15, 30, tzinfo=TZ)
    # One page: a short protocol (general rules only, a short timeline, two products).
    short = replace(
        full,
        rules=tuple(r for r in full.rules if r.scope == "general")[:3],
        timeline=tuple(s for s in full.timeline if not s.depth_band)[:2],
        products=full.products[:1],
        warning_signs=full.warning_signs[:3],
        introduction="",
        results_text="",
    )
    one = plans.build_plan(short, depths={"face": Decimal("0.50")}, skin_types=(), completed_at=completed_at, tz=TZ)
    # Three pages: the whole protocol on four areas, deep, with skin-type notes and a long note.
    three = plans.build_plan(
        full,
        depths={
            "face": Decimal("2.00"),
            "neck": Decimal("1.00"),
            "decolletage": Decimal("1.00"),
            "hands": Decimal("0.5"),
        },
        skin_types={"fitzpatrick_4", "sensitive"},
        completed_at=completed_at,
        tz=TZ,
    )
    base = {"clinic": _Clinic, "paper_size": "A4", "client_name": "Amelia Clarke", "practitioner_name": "Anna Kowalska"}
    note = "Keep the neck out of the sun this week. " * 25
    return {
        "1-page": {**base, "plan": one, "session_notes": ""},
        "3-page": {**base, "plan": three, "session_notes": note},
    }


def run() -> list[dict]:
    import logging

    from clinic.pdf import pdf_from_template

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    contexts = _contexts()
    render = lambda name: pdf_from_template("aftercare/plan_pdf.html", contexts[name])  # noqa: E731
    rows = []
    rss_start = None
    for name, target_p50, target_p95 in (("1-page", 250, None), ("3-page", None, 500)):
        for _ in range(3):  # warm-up: fonts, stylesheet parsing, template loading
            pdf = render(name)
        if rss_start is None:
            rss_start = _rss_mb()
        pages = _pages(pdf)
        timings, cpu = [], []
        for _ in range(RUNS):
            start, start_cpu = time.perf_counter(), time.process_time()
            render(name)
            timings.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        p50, p95 = statistics.median(timings), _percentile(timings, 95)
        rows.append(
            {
                "name": f"{name} plan: pages",
                "value": pages,
                "unit": "pages",
                "target": f"== {name[0]}",
                "ok": pages == int(name[0]),
            }
        )
        rows.append(
            {
                "name": f"{name} plan render p50",
                "value": round(p50, 1),
                "unit": "ms",
                "target": f"<= {target_p50}" if target_p50 else "",
                "ok": (p50 <= target_p50) if target_p50 else None,
            }
        )
        rows.append(
            {
                "name": f"{name} plan render p95",
                "value": round(p95, 1),
                "unit": "ms",
                "target": f"<= {target_p95}" if target_p95 else "",
                "ok": (p95 <= target_p95) if target_p95 else None,
            }
        )
        # CPU time of this process alone: what a render costs when other work shares the machine.
        rows.append(
            {"name": f"{name} plan CPU time p50", "value": round(statistics.median(cpu), 1), "unit": "ms", "ok": None}
        )
    rss_half = None
    for n in range(MEMORY_RENDERS):
        render("1-page" if n % 2 else "3-page")
        if n + 1 == MEMORY_RENDERS // 2:
            rss_half = _rss_mb()
    rss_end = _rss_mb()
    rows.append(
        {"name": "worker RSS after warm-up", "value": round(rss_start, 1), "unit": "MB", "target": "", "ok": None}
    )
    rows.append(
        {
            "name": f"worker RSS after {MEMORY_RENDERS} more renders",
            "value": round(rss_end, 1),
            "unit": "MB",
            "target": "",
            "ok": None,
        }
    )
    # The first renders grow the heap to its working size; a leak shows as growth that goes on
    # after that, so the rate is taken over the second half only.
    rows.append(
        {
            "name": f"worker RSS growth per render, renders {MEMORY_RENDERS // 2 + 1}-{MEMORY_RENDERS}",
            "value": round((rss_end - rss_half) * 1024 / (MEMORY_RENDERS - MEMORY_RENDERS // 2), 1),
            "unit": "KB",
            "target": "",
            "ok": None,
        }
    )
    return rows
