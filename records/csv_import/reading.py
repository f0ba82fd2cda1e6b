"""Reading an import file: the encoding, the CSV dialect, the columns by their header names, the
row limit; and the report every import fills in, one outcome per row."""

import csv
import io
import re
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError

CREATED, MATCHED, REFUSED = "created", "matched", "refused"


class ImportFileError(Exception):
    """The file as a whole cannot be read: nothing is imported."""


@dataclass(frozen=True)
class Column:
    names: tuple[str, ...]
    help: str


ENCODINGS = {"utf-8": "UTF-8 (also UTF-8 with BOM)", "cp1252": "Windows (Western European, cp1252)"}
YES = {"yes", "y", "true", "1", "opted in", "opt in", "subscribed", "x"}
NO = {"no", "n", "false", "0", "", "opted out", "opt out", "unsubscribed"}


def max_rows() -> int:
    return getattr(settings, "RECORDS_IMPORT_MAX_ROWS", 20000)


@dataclass
class RowResult:
    line: int
    outcome: str
    label: str
    message: str = ""


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    rows: list[RowResult] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    error: str = ""

    def add(self, line: int, outcome: str, label: str, message: str = "") -> None:
        self.rows.append(RowResult(line, outcome, label, message))

    @property
    def counts(self) -> dict[str, int]:
        counts = {CREATED: 0, MATCHED: 0, REFUSED: 0}
        for row in self.rows:
            counts[row.outcome] += 1
        return counts

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "dry_run": self.dry_run,
            "error": self.error,
            "ignored_columns": self.ignored_columns,
            "counts": self.counts,
            "rows": [asdict(row) for row in self.rows],
        }


def _header_key(text: str) -> str:
    text = (text or "").strip().lstrip("\ufeff").lower()
    return " ".join(re.sub(r"[_\-.]+", " ", text).split())


def _decode(content: bytes, encoding: str) -> str:
    if encoding not in ENCODINGS:
        raise ImportFileError("Choose the file's encoding.")
    try:
        text = content.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise ImportFileError(
            f"The file is not {ENCODINGS[encoding]} text (line {line} has a character that cannot be read). "
            "Save it again as “CSV UTF-8”, or choose the Windows encoding if it came from Excel on Windows."
        ) from None
    if "\x00" in text:
        raise ImportFileError("This is not a CSV text file (it holds binary data). Export it as CSV and try again.")
    return text


def read_rows(content: bytes, *, encoding: str, columns: dict[str, Column], required) -> tuple[list, list[str]]:
    """(rows as (line number, {field: value}), ignored header names). Raises ImportFileError."""
    text = _decode(content, encoding)
    if not text.strip():
        raise ImportFileError("The file is empty.")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise ImportFileError(f"The file cannot be read as CSV: {exc}.") from None
    by_name = {}
    for name, column in columns.items():
        for alias in column.names:
            by_name.setdefault(alias, name)
    mapping, ignored, seen = {}, [], set()
    for index, title in enumerate(header):
        name = by_name.get(_header_key(title))
        if name is None or name in seen:
            if title.strip():
                ignored.append(title.strip())
            continue
        mapping[index] = name
        seen.add(name)
    for alternatives in required:
        if not seen & set(alternatives):
            wanted = " or ".join(f"“{columns[name].names[0]}”" for name in alternatives)
            raise ImportFileError(
                f"The file has no {wanted} column. Its columns are: {', '.join(h.strip() for h in header if h.strip())}."
            )
    rows = []
    limit = max_rows()
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) >= limit:
                raise ImportFileError(
                    f"The file has more than {limit:,} rows. Split it into files of at most {limit:,} rows and import "
                    "them one after the other (rows already imported are matched, not repeated)."
                )
            values = {name: (record[index].strip() if index < len(record) else "") for index, name in mapping.items()}
            rows.append((reader.line_num, values))
    except csv.Error as exc:
        raise ImportFileError(f"Line {reader.line_num} cannot be read as CSV: {exc}.") from None
    return rows, ignored


def phone_key(value: str) -> str:
    digits = re.sub(r"\D", "", value or "")
    if digits.startswith("00"):
        digits = digits[2:]
    return digits[-9:] if len(digits) >= 9 else ""  # the subscriber part: +44 7700… and 07700… match


def yes_no(value: str, column: str) -> bool:
    key = (value or "").strip().lower()
    if key in YES:
        return True
    if key in NO:
        return False
    raise ValidationError(f"“{value}” in {column} is not yes or no.")
