"""A manager of the demo clinic opens the insights page: real numbers, charts drawn from the same
numbers as the tables beside them, a page that fits a laptop and a phone and that axe-core finds
no serious fault in (screenshots under screenshots/insights/)."""

from datetime import timedelta

import pytest

from clinic.clock import clinic_today
from clinic.tests.screens import resize, screen_problems
from clinic.tests.test_site_crawl import build_site

from .test_pages import signed_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Each chart's data, and the numbers of its table's charted columns, as the browser has them.
READ_FIGURES = """
() => [...document.querySelectorAll("figure.insights-figure canvas")].map((canvas) => {
  const data = JSON.parse(document.getElementById(canvas.dataset.source).textContent);
  const figure = canvas.closest("figure");
  const rows = [...figure.querySelectorAll("table tbody tr")].map((tr) =>
    [...tr.children].map((cell) => cell.textContent.trim()));
  return {id: canvas.id, drawn: !!window.Chart.getChart(canvas), data, rows,
          columns: [...figure.querySelectorAll("table thead th")].map((th) => th.textContent.trim())};
})
"""


def _number(text: str):
    return None if text == "–" else float(text)


def test_a_manager_sees_charts_that_match_their_tables(browser, live_server, screenshot):
    site = build_site()
    page = signed_in_browser(browser, live_server, site.users["manager"])
    today = clinic_today()
    page.goto(f"/insights/?period=custom&first={today - timedelta(days=364)}&last={today}")
    figures = page.evaluate(READ_FIGURES)
    assert len(figures) >= 8
    for figure in figures:
        assert figure["drawn"], figure["id"]
        data = figure["data"]
        assert data["labels"] == [row[0] for row in figure["rows"]], figure["id"]
        for dataset in data["datasets"]:
            column = figure["columns"].index(dataset["label"])
            assert dataset["data"] == [_number(row[column]) for row in figure["rows"]], figure["id"]
    by_id = {figure["id"]: figure for figure in figures}
    assert sum(by_id["chart-attendance-outcomes"]["data"]["datasets"][0]["data"]) > 0
    assert any(value for value in by_id["chart-utilisation-practitioners"]["data"]["datasets"][0]["data"])
    for width in (1366, 360):
        resize(page, width)
        screenshot(page, f"insights/manager-{width}")
        assert screen_problems(page) == [], width
