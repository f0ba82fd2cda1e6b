import re
import subprocess


def pdf_text(content: bytes) -> str:
    """The PDF's text as pdftotext reads it, with runs of white space made one space."""
    result = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True)  # noqa: S607
    return re.sub(r"\s+", " ", result.stdout.decode())
