"""Moving in: clients and future appointments from the CSV files other clinic systems export.

Columns are found by their header's name (case, spaces, dashes and underscores do not matter),
under the names other systems use (``CLIENT_COLUMNS``, ``APPOINTMENT_COLUMNS``; README, "Moving
in"); other columns are ignored and listed. Every row gets one outcome: *created*, *matched*
(already there, by e-mail or phone: nothing written) or *refused* with the reason.

A dry run and the import are the same code: the dry run rolls its transaction back at the end, so
what it shows is what the import would do, rows interacting included (two rows booking the same
room at the same time). An import runs in one transaction: the rows it can take are written
together and a failure half-way leaves the database as it was. Running it again creates nothing
(every row is then matched). Appointments go through ``bookings.services.appointment_book``, the
service every booking uses (clearance, spacing, opening hours, no double booking). Imported
clients get an e-mail invitation through the outbox to set a password and fill in their intake.

File-level problems (not text in the chosen encoding, a required column missing, more than
``RECORDS_IMPORT_MAX_ROWS`` rows, not a CSV) stop everything with one message.
"""

import csv
import io
import logging
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from bookings.models import Appointment, Practitioner, Room, Treatment
from bookings.services import appointment_book
from clinic import roles
from clinic.models import ClinicProfile, MarketingConsent, OutboundMessage, User
from consultations.areas import Area

logger = logging.getLogger(__name__)

CREATED, MATCHED, REFUSED = "created", "matched", "refused"


class ImportFileError(Exception):
    """The file as a whole cannot be read: nothing is imported."""


@dataclass(frozen=True)
class Column:
    names: tuple[str, ...]
    help: str


CLIENT_COLUMNS = {
    "email": Column(
        ("email", "e mail", "email address", "e mail address", "client email", "customer email"),
        "the client's e-mail address (required: clients log in with it)",
    ),
    "first_name": Column(("first name", "firstname", "given name", "forename", "first"), "first name"),
    "last_name": Column(("last name", "lastname", "surname", "family name", "last"), "last name"),
    "name": Column(
        ("name", "full name", "client name", "customer name", "client"),
        "the whole name, when there are no first and last name columns",
    ),
    "phone": Column(
        ("phone", "mobile", "mobile phone", "mobile number", "phone number", "telephone", "tel", "cell"),
        "phone number (optional; also used to match)",
    ),
    "marketing_email": Column(
        ("marketing email", "email marketing", "accepts email marketing", "email opt in", "email consent"),
        "yes/no: agreed to marketing by e-mail in the previous system (optional)",
    ),
    "marketing_sms": Column(
        ("marketing sms", "sms marketing", "accepts sms marketing", "sms opt in", "sms consent"),
        "yes/no: agreed to marketing by text (optional)",
    ),
}
APPOINTMENT_COLUMNS = {
    "email": CLIENT_COLUMNS["email"],
    "phone": CLIENT_COLUMNS["phone"],
    "date": Column(
        ("date", "appointment date", "start date", "day"), "the session's day, in the date format chosen on the form"
    ),
    "time": Column(
        ("time", "start time", "appointment time", "start", "from"),
        "arrival time, 24-hour (14:30) or 12-hour (2:30 pm), clinic time",
    ),
    "treatment": Column(("treatment", "service", "service name", "treatment name"), "the treatment's name or code"),
    "areas": Column(
        ("areas", "area", "treatment areas", "body areas", "body area"),
        "areas separated by ; , + or 'and' (face; neck)",
    ),
    "practitioner": Column(
        ("practitioner", "staff", "therapist", "provider", "staff member", "practitioner email", "employee"),
        "the practitioner's e-mail or name (optional: any free one)",
    ),
    "room": Column(("room", "resource", "treatment room"), "the room's name (optional: any free one)"),
}
CLIENT_REQUIRED = (("email",), ("first_name", "last_name", "name"))
APPOINTMENT_REQUIRED = (("email", "phone"), ("date",), ("time",), ("treatment",), ("areas",))

DATE_FORMATS = {
    "dmy": ("day/month/year (31/12/2026)", re.compile(r"^(?P<d>\d{1,2})[./-](?P<m>\d{1,2})[./-](?P<y>\d{4})$")),
    "mdy": ("month/day/year (12/31/2026)", re.compile(r"^(?P<m>\d{1,2})[./-](?P<d>\d{1,2})[./-](?P<y>\d{4})$")),
    "ymd": ("year-month-day (2026-12-31)", re.compile(r"^(?P<y>\d{4})[./-](?P<m>\d{1,2})[./-](?P<d>\d{1,2})$")),
}
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


# --- Reading the file -------------------------------------------------------------------------


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


def _phone_key(value: str) -> str:
    digits = re.sub(r"\D", "", value or "")
    if digits.startswith("00"):
        digits = digits[2:]
    return digits[-9:] if len(digits) >= 9 else ""  # the subscriber part: +44 7700… and 07700… match


def _yes_no(value: str, column: str) -> bool:
    key = (value or "").strip().lower()
    if key in YES:
        return True
    if key in NO:
        return False
    raise ValidationError(f"“{value}” in {column} is not yes or no.")


# --- Clients ----------------------------------------------------------------------------------


def _existing_people(emails: set[str], phones: set[str]):
    by_email, by_phone = {}, {}
    email_list = sorted(emails)
    for start in range(0, len(email_list), 2000):
        for user in User.objects.filter(email__in=email_list[start : start + 2000]):
            by_email[user.email] = user
    if phones:
        for user in User.objects.exclude(phone="").only("pk", "email", "phone", "first_name", "last_name"):
            key = _phone_key(user.phone)
            if key in phones:
                by_phone.setdefault(key, user)
    return by_email, by_phone


def _client_values(values: dict) -> dict:
    email = values.get("email", "").strip().lower()
    if not email:
        raise ValidationError("No e-mail address: clients log in with theirs, so it is needed.")
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(f"“{values.get('email')}” is not an e-mail address.") from None
    first, last = values.get("first_name", ""), values.get("last_name", "")
    if not (first or last) and values.get("name"):
        first, _, last = values["name"].strip().rpartition(" ")
        if not first:
            first, last = last, ""
    if not (first or last):
        raise ValidationError("No name.")
    if len(first) > 150 or len(last) > 150:
        raise ValidationError("The name is longer than 150 characters.")
    phone = values.get("phone", "")
    if phone and (len(phone) > 32 or not _phone_key(phone)):
        raise ValidationError(f"“{phone}” is not a phone number.")
    marketing = set()
    if _yes_no(values.get("marketing_email", ""), "marketing e-mail"):
        marketing.add("email")
    if _yes_no(values.get("marketing_sms", ""), "marketing SMS"):
        if not phone:
            raise ValidationError("Marketing by text is ticked but there is no phone number.")
        marketing.add("sms")
    return {
        "email": email,
        "first_name": first.strip(),
        "last_name": last.strip(),
        "phone": phone,
        "marketing": marketing,
    }


def _import_clients(rows, report: ImportReport, *, imported_by) -> None:
    parsed = []
    for line, values in rows:
        try:
            parsed.append((line, _client_values(values)))
        except ValidationError as exc:
            report.add(line, REFUSED, values.get("email") or values.get("name") or "", " ".join(exc.messages))
    by_email, by_phone = _existing_people(
        {p["email"] for _, p in parsed}, {_phone_key(p["phone"]) for _, p in parsed if p["phone"]}
    )
    staff_ids = set(
        User.objects.filter(groups__name__in=[role.value for role in roles.STAFF_ROLES]).values_list("pk", flat=True)
    )
    in_file: dict[str, int] = {}
    new_people = []
    for line, person in parsed:
        label = f"{person['first_name']} {person['last_name']} <{person['email']}>".strip()
        if person["email"] in in_file:
            report.add(line, MATCHED, label, f"The same person as line {in_file[person['email']]} of this file.")
            continue
        existing = by_email.get(person["email"])
        phone_match = by_phone.get(_phone_key(person["phone"])) if person["phone"] else None
        if existing is None and phone_match is not None and phone_match.email != person["email"]:
            if phone_match.pk in staff_ids:
                report.add(line, REFUSED, label, "This phone number belongs to a member of staff.")
            else:
                report.add(line, MATCHED, label, f"Matched by phone to the client with e-mail {phone_match.email}.")
            in_file[person["email"]] = line
            continue
        if existing is not None:
            if existing.pk in staff_ids:
                report.add(line, REFUSED, label, "This e-mail address belongs to a member of staff.")
            else:
                report.add(line, MATCHED, label, "Already a client (same e-mail).")
            in_file[person["email"]] = line
            continue
        in_file[person["email"]] = line
        new_people.append((line, label, person))
    _clients_create(new_people, report, imported_by=imported_by)


def _clients_create(new_people, report: ImportReport, *, imported_by) -> None:
    """Create the new clients in bulk (a few queries per thousand), each with the client role, an
    unverified e-mail address, their marketing consents and an invitation in the outbox."""
    if not new_people:
        return
    unusable = make_password(None)
    now = timezone.now()
    users = User.objects.bulk_create(
        [
            User(
                email=p["email"],
                first_name=p["first_name"],
                last_name=p["last_name"],
                phone=p["phone"],
                preferred_channel="email",
                password=unusable,
                date_joined=now,
            )
            for _, _, p in new_people
        ],
        batch_size=1000,
    )
    group = Group.objects.get(name=roles.Role.CLIENT.value)
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=user.pk, group_id=group.pk) for user in users], batch_size=2000
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=user, email=user.email, verified=False, primary=True) for user in users], batch_size=2000
    )
    consents = [
        MarketingConsent(person=user, channel=channel, given_at=now, given_via=MarketingConsent.Via.IMPORT)
        for user, (_, _, p) in zip(users, new_people, strict=True)
        for channel in sorted(p["marketing"])
    ]
    MarketingConsent.objects.bulk_create(consents, batch_size=2000)
    OutboundMessage.objects.bulk_create(
        [
            OutboundMessage(
                kind=OutboundMessage.Kind.ACCOUNT_INVITATION,
                recipient=user,
                channel=OutboundMessage.Channel.EMAIL,
                idempotency_key=f"import-invitation:{user.pk}",
                due_at=now,
                essential=True,
            )
            for user in users
        ],
        batch_size=2000,
    )
    for (line, label, _), _user in zip(new_people, users, strict=True):
        report.add(line, CREATED, label, "New client; invited by e-mail to set a password and fill in the intake.")


# --- Appointments -----------------------------------------------------------------------------


def _parse_date(value: str, date_format: str) -> date:
    description, pattern = DATE_FORMATS[date_format]
    match = pattern.match(value.strip())
    if not match:
        raise ValidationError(f"“{value}” is not a date written {description}.")
    try:
        return date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        raise ValidationError(f"“{value}” is not a real date (read as {description}).") from None


_TIME = re.compile(r"^(?P<h>\d{1,2})[:.h]?(?P<m>\d{2})?\s*(?P<ampm>[ap]\.?m\.?)?$", re.IGNORECASE)


def _parse_time(value: str) -> time:
    match = _TIME.match(value.strip())
    if not match:
        raise ValidationError(f"“{value}” is not a time such as 14:30 or 2:30 pm.")
    hour, minute = int(match["h"]), int(match["m"] or 0)
    if match["ampm"]:
        if not 1 <= hour <= 12:
            raise ValidationError(f"“{value}” is not a time such as 2:30 pm.")
        hour = hour % 12 + (12 if match["ampm"].lower().startswith("p") else 0)
    if hour > 23 or minute > 59:
        raise ValidationError(f"“{value}” is not a time of day.")
    return time(hour, minute)


def _local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The instant of a wall-clock time in the clinic's zone; a time that does not exist (the hour
    skipped when clocks go forward) or exists twice is refused rather than guessed."""
    first = datetime.combine(day, at, tzinfo=tz)
    second = datetime.combine(day, at, tzinfo=tz).replace(fold=1)
    if first.utcoffset() != second.utcoffset():
        raise ValidationError(f"{at:%H:%M} on {day:%d %B %Y} happens twice (the clocks go back): give another time.")
    round_trip = first.astimezone(ZoneInfo("UTC")).astimezone(tz)
    if round_trip.replace(tzinfo=None) != first.replace(tzinfo=None):
        raise ValidationError(f"{at:%H:%M} on {day:%d %B %Y} does not exist (the clocks go forward).")
    return first


_AREA_SPLIT = re.compile(r"\s*(?:;|,|\+|/|&|\band\b)\s*", re.IGNORECASE)
_AREA_NAMES = {**{code: code for code in Area.values}, **{label.lower(): code for code, label in Area.choices}}
_AREA_NAMES.update(
    {"decolletage": "decolletage", "décolleté": "decolletage", "chest": "decolletage", "stomach": "abdomen"}
)


def _parse_areas(value: str) -> list[str]:
    codes = []
    for part in _AREA_SPLIT.split(value.strip().lower()):
        if not part:
            continue
        if part not in _AREA_NAMES:
            raise ValidationError(f"“{part}” is not an area we treat ({', '.join(Area.values)}).")
        codes.append(_AREA_NAMES[part])
    if not codes:
        raise ValidationError("No area.")
    return codes


class _Catalogue:
    """Treatments, practitioners and rooms by the names a file may use (a few queries)."""

    def __init__(self):
        self.treatments = {}
        for treatment in Treatment.objects.filter(is_active=True):
            self.treatments[treatment.slug.lower()] = treatment
            self.treatments[treatment.name.lower()] = treatment
        self.practitioners = {}
        for practitioner in Practitioner.objects.select_related("user").filter(is_active=True):
            user = practitioner.user
            for key in (user.email, user.get_full_name(), user.first_name):
                if key:
                    self.practitioners.setdefault(key.lower(), practitioner)
        self.rooms = {room.name.lower(): room for room in Room.objects.all()}

    def treatment(self, value: str) -> Treatment:
        found = self.treatments.get(value.strip().lower())
        if found is None:
            raise ValidationError(f"There is no treatment called “{value}”.")
        return found

    def practitioner(self, value: str) -> Practitioner | None:
        if not value:
            return None
        found = self.practitioners.get(value.strip().lower())
        if found is None:
            raise ValidationError(f"There is no practitioner “{value}”.")
        return found

    def room(self, value: str) -> Room | None:
        if not value:
            return None
        found = self.rooms.get(value.strip().lower())
        if found is None:
            raise ValidationError(f"There is no room called “{value}”.")
        return found


def _import_appointments(rows, report: ImportReport, *, imported_by, date_format: str) -> None:
    tz = ClinicProfile.get().tz
    catalogue = _Catalogue()
    emails = {values.get("email", "").strip().lower() for _, values in rows if values.get("email")}
    phones = {_phone_key(values["phone"]) for _, values in rows if values.get("phone")}
    by_email, by_phone = _existing_people(emails, phones - {""})
    clients = {user.pk for user in [*by_email.values(), *by_phone.values()]}
    client_ids = set(
        User.objects.filter(pk__in=clients, groups__name=roles.Role.CLIENT.value).values_list("pk", flat=True)
    )
    booked = set(
        Appointment.objects.filter(client_id__in=client_ids, status__in=Appointment.ACTIVE_STATUSES).values_list(
            "client_id", "starts_at"
        )
    )
    now = timezone.now()
    seen: dict[tuple, int] = {}
    for line, values in rows:
        label = " ".join(
            filter(None, (values.get("email") or values.get("phone"), values.get("date"), values.get("time")))
        )
        try:
            email = values.get("email", "").strip().lower()
            client = by_email.get(email) if email else None
            if client is None and values.get("phone"):
                client = by_phone.get(_phone_key(values["phone"]))
            if client is None:
                raise ValidationError("No client with this e-mail or phone: import the clients first.")
            if client.pk not in client_ids:
                raise ValidationError("This e-mail or phone belongs to a member of staff, not a client.")
            starts_at = _local_instant(_parse_date(values["date"], date_format), _parse_time(values["time"]), tz)
            if starts_at <= now:
                raise ValidationError("This session is in the past: only future sessions are imported.")
            treatment = catalogue.treatment(values["treatment"])
            areas = _parse_areas(values["areas"])
            practitioner = catalogue.practitioner(values.get("practitioner", ""))
            room = catalogue.room(values.get("room", ""))
        except ValidationError as exc:
            report.add(line, REFUSED, label, " ".join(exc.messages))
            continue
        key = (client.pk, starts_at)
        if key in seen:
            report.add(line, MATCHED, label, f"The same session as line {seen[key]} of this file.")
            continue
        seen[key] = line
        if key in booked:
            report.add(line, MATCHED, label, "This client already has a session at this time.")
            continue
        try:
            appointment_book(
                client=client,
                treatment=treatment,
                areas=areas,
                starts_at=starts_at,
                booked_by=imported_by,
                practitioner=practitioner,
                room=room,
                late_booking_reason="Imported from the previous system.",
            )
        except ValidationError as exc:
            report.add(line, REFUSED, label, " ".join(exc.messages))
            continue
        booked.add(key)
        report.add(line, CREATED, label, f"{treatment.name}, {', '.join(areas)}.")


# --- The entry point --------------------------------------------------------------------------


class _DryRunRollback(Exception):
    pass


def csv_import(
    *, kind: str, content: bytes, imported_by, dry_run: bool, encoding: str = "utf-8", date_format: str = "dmy"
) -> ImportReport:
    """Import (or, with ``dry_run``, show what importing would do with) a clients or appointments
    CSV. Returns the report; a file-level problem is in ``report.error`` and nothing is written.
    Raises PermissionDenied for anyone but a manager."""
    roles.require(imported_by, roles.Capability.MANAGE_CLINIC)
    report = ImportReport(kind=kind, dry_run=dry_run)
    columns, required = (
        (CLIENT_COLUMNS, CLIENT_REQUIRED) if kind == "clients" else (APPOINTMENT_COLUMNS, APPOINTMENT_REQUIRED)
    )
    if kind not in ("clients", "appointments"):
        report.error = "Choose what the file holds: clients or appointments."
        return report
    if date_format not in DATE_FORMATS:
        report.error = "Choose how the file writes dates."
        return report
    try:
        rows, report.ignored_columns = read_rows(content, encoding=encoding, columns=columns, required=required)
    except ImportFileError as exc:
        report.error = str(exc)
        return report
    try:
        with transaction.atomic():
            if kind == "clients":
                _import_clients(rows, report, imported_by=imported_by)
            else:
                _import_appointments(rows, report, imported_by=imported_by, date_format=date_format)
            report.rows.sort(key=lambda row: row.line)
            if dry_run:
                raise _DryRunRollback
            if report.counts[CREATED]:
                transaction.on_commit(_kick_invitations)
    except _DryRunRollback:
        pass
    return report


def _kick_invitations() -> None:
    """The invitations are due now: start a dispatcher (losing this kick only waits for beat)."""
    from clinic.tasks import outbox_dispatch

    try:
        outbox_dispatch.delay()
    except Exception:  # the broker being away must not turn a committed import into an error page
        logger.warning("could not kick the outbox dispatcher after an import", exc_info=True)
