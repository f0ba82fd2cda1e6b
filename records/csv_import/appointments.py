"""Future appointments from another system's file, booked together through
``bookings.services.appointment_batch.appointments_book_many``: the rules of ``appointment_book``
(clearance, spacing, opening hours, no double booking), each row seeing the rows before it."""

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone

from bookings.models import Appointment, Practitioner, Room, Treatment
from bookings.services.appointment_batch import BatchBooking, appointments_book_many
from clinic import roles
from clinic.dates import date_label
from clinic.models import ClinicProfile, User
from consultations.areas import Area

from .clients import CLIENT_COLUMNS, existing_people
from .reading import CREATED, MATCHED, REFUSED, Column, ImportReport, phone_key

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
APPOINTMENT_REQUIRED = (("email", "phone"), ("date",), ("time",), ("treatment",), ("areas",))

DATE_FORMATS = {
    "dmy": ("day/month/year (31/12/2026)", re.compile(r"^(?P<d>\d{1,2})[./-](?P<m>\d{1,2})[./-](?P<y>\d{4})$")),
    "mdy": ("month/day/year (12/31/2026)", re.compile(r"^(?P<m>\d{1,2})[./-](?P<d>\d{1,2})[./-](?P<y>\d{4})$")),
    "ymd": ("year-month-day (2026-12-31)", re.compile(r"^(?P<y>\d{4})[./-](?P<m>\d{1,2})[./-](?P<d>\d{1,2})$")),
}


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
        raise ValidationError(f"{at:%H:%M} on {date_label(day)} happens twice (the clocks go back): give another time.")
    round_trip = first.astimezone(ZoneInfo("UTC")).astimezone(tz)
    if round_trip.replace(tzinfo=None) != first.replace(tzinfo=None):
        raise ValidationError(f"{at:%H:%M} on {date_label(day)} does not exist (the clocks go forward).")
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


def _row_client(values: dict, *, by_email: dict, by_phone: dict, client_ids: set[int]) -> User:
    """The client a row names, by e-mail, else by phone; else ``ValidationError``."""
    email = values.get("email", "").strip().lower()
    client = by_email.get(email) if email else None
    if client is None and values.get("phone"):
        client = by_phone.get(phone_key(values["phone"]))
    if client is None:
        raise ValidationError("No client with this e-mail or phone: import the clients first.")
    if client.pk not in client_ids:
        raise ValidationError("This e-mail or phone belongs to a member of staff, not a client.")
    return client


def import_appointments(rows, report: ImportReport, *, imported_by, date_format: str) -> None:
    tz = ClinicProfile.get().tz
    catalogue = _Catalogue()
    emails = {values.get("email", "").strip().lower() for _, values in rows if values.get("email")}
    phones = {phone_key(values["phone"]) for _, values in rows if values.get("phone")}
    by_email, by_phone = existing_people(emails, phones - {""})
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
    bookings: list[BatchBooking] = []
    asked: list[tuple] = []
    for line, values in rows:
        label = " ".join(
            filter(None, (values.get("email") or values.get("phone"), values.get("date"), values.get("time")))
        )
        try:
            client = _row_client(values, by_email=by_email, by_phone=by_phone, client_ids=client_ids)
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
        booked.add(key)
        asked.append((line, label, treatment, areas))
        bookings.append(
            BatchBooking(
                client=client, treatment=treatment, areas=areas, starts_at=starts_at, practitioner=practitioner,
                room=room,
            )
        )  # fmt: skip
    results = appointments_book_many(
        bookings=bookings, booked_by=imported_by, late_booking_reason="Imported from the previous system."
    )
    for (line, label, treatment, areas), result in zip(asked, results, strict=True):
        if isinstance(result, ValidationError):
            report.add(line, REFUSED, label, " ".join(result.messages))
        else:
            report.add(line, CREATED, label, f"{treatment.name}, {', '.join(areas)}.")
