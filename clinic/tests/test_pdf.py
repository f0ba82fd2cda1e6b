"""The PDF fetcher serves the app's own static files and nothing else."""

import pytest

from clinic.pdf import PDF_BASE_URL, StaticFilesOnlyFetcher


def test_static_files_are_served():
    response = StaticFilesOnlyFetcher().fetch(PDF_BASE_URL + "static/css/app.css")
    assert b"--brand" in response.read()
    assert response.content_type == "text/css"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/tracker.png",
        "file:///etc/passwd",
        PDF_BASE_URL + "static/../../clinic/settings/base.py",
        PDF_BASE_URL + "media/private/x.pdf",
    ],
)
def test_every_other_url_is_refused(url):
    with pytest.raises(ValueError):
        StaticFilesOnlyFetcher().fetch(url)
