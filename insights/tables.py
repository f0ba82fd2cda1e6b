"""A figure as a table: its caption, columns and rows, and how to chart it. The chart is drawn
from the table's own rows (``chart_data``), so the chart and the accessible table below it always
show the same numbers, and the CSV download is the same rows again."""

import csv
import io
from dataclasses import dataclass, field, replace

# A page shows at most this many rows of a table (and its chart): a chain's 2,000 practitioners
# are no chart anyone reads. The CSV download has every row.
ROWS_SHOWN = 40


@dataclass
class Table:
    code: str
    caption: str
    columns: list[str]
    rows: list[list]
    # Which columns to chart (by index) against the first column; empty: no chart (the table is
    # the figure, as the heat map is).
    chart_columns: list[int] = field(default_factory=list)
    chart_type: str = "bar"
    unit: str = ""
    note: str = ""
    heat: bool = False

    def chart_data(self) -> dict | None:
        if not self.chart_columns:
            return None
        return {
            "type": self.chart_type,
            "unit": self.unit,
            "labels": [str(row[0]) for row in self.rows],
            "datasets": [
                {"label": self.columns[i], "data": [_number(row[i]) for row in self.rows]} for i in self.chart_columns
            ],
        }

    def shown(self, limit: int = ROWS_SHOWN) -> "Table":
        """The table as the page shows it: every row when there are ``limit`` or fewer, else the
        ``limit`` rows lowest in the first charted column (those that want attention), with a
        note saying so; the chart is drawn from the same rows."""
        if len(self.rows) <= limit or self.heat:
            return self
        column = self.chart_columns[0] if self.chart_columns else None
        rows = self.rows
        if column is not None:
            rows = sorted(rows, key=lambda row: (row[column] is None, row[column] if row[column] is not None else 0))
        what = f", lowest {self.columns[column]} first" if column is not None else ""
        note = (
            f"Showing {limit} of {len(self.rows):,} rows{what}: the CSV download has every row, "
            "or choose a location to see its own."
        )
        return replace(self, rows=rows[:limit], note=f"{self.note} {note}".strip())

    def csv_text(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow(["" if value is None else value for value in row])
        return out.getvalue()


def _number(value):
    return value if isinstance(value, int | float) else None


def heat_rows(table: Table) -> list[dict]:
    """The heat map's rows with a level 0-5 for each cell (its shade, a CSS class)."""
    highest = max((v for row in table.rows for v in row[1:] if isinstance(v, int)), default=0)
    return [
        {
            "label": row[0],
            "cells": [(v, 0 if not highest or not v else 1 + (4 * v) // highest) for v in row[1:]],
        }
        for row in table.rows
    ]
