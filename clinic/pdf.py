"""PDF rendering with WeasyPrint, fetching nothing from outside.

Templates link their stylesheets and images with ``{% static %}``; the fetcher serves those from
the app's own static files and refuses every other URL (no network, no local file reads), so a
URL typed into a note can never make the server fetch anything.
"""

import mimetypes
import threading
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

# A host that cannot exist (RFC 2606): relative URLs in PDF templates resolve against it.
PDF_BASE_URL = "https://pdf.clinic.invalid/"
_STATIC_PREFIX = PDF_BASE_URL + "static/"


class StaticFilesOnlyFetcher(URLFetcher):
    """Serves ``/static/...`` from the app's static files and ``data:`` URLs; refuses the rest."""

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if not url.startswith(_STATIC_PREFIX):
            raise ValueError(f"PDF rendering fetches only the app's static files, not {url[:80]}")
        relative = url.removeprefix(_STATIC_PREFIX).split("?", 1)[0].split("#", 1)[0]
        if ".." in Path(relative).parts or relative.startswith("/"):
            raise ValueError(f"No static file {relative[:80]}")
        found = finders.find(relative)
        if not found:
            raise ValueError(f"No static file {relative[:80]}")
        mime_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
        return URLFetcherResponse(url, Path(found).read_bytes(), {"Content-Type": mime_type})


_thread_state = threading.local()


def _font_config() -> FontConfiguration:
    """One font configuration per thread, reused: WeasyPrint makes a new fontconfig set for each
    one, and a worker that made one per render grew by about 0.2 MB a PDF (measured over 200)."""
    config = getattr(_thread_state, "font_config", None)
    if config is None:
        config = _thread_state.font_config = FontConfiguration()
    return config


def pdf_from_template(template_name: str, context: dict) -> bytes:
    """Render a Django template to PDF bytes. Autoescaping applies as in any template, so
    anything a person typed comes out as text."""
    html = render_to_string(template_name, context)
    font_config = _font_config()
    document = HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=StaticFilesOnlyFetcher())
    return document.write_pdf(font_config=font_config)
