"""Moving in: clients and future appointments from CSV, mapped by header name; a dry run that
writes nothing; an import that goes through the booking services, is idempotent and atomic; and
plain messages for every bad file or row."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment
from bookings.tests.factories import bookable_clinic
from clinic.dispatch import outbox_dispatch_due
from clinic.models import MarketingConsent, OutboundMessage, User
from clinic.roles import Role
from clinic.tests.factories import ClientFactory, ManagerFactory, log_in
from records.csv_import import csv_import
from records.imports import import_run_execute
from records.models import ImportRun

CLIENTS = (
    "E-mail Address;Surname;First Name;Mobile;Notes;Email Marketing\n"
    "ann@example.com;Archer;Ann;07911 123456;likes mornings;yes\n"
    "bob@example.com;Baker;Bob;;;no\n"
    "not-an-email;Cole;Cat;;;no\n"
    "ann@example.com;Archer;Ann;07911 123456;again;yes\n"
)


@pytest.fixture
def manager(db, clinic_profile):
    return ManagerFactory()


def run(manager, content, *, kind="clients", dry_run=False, **options):
    if isinstance(content, str):
        content = content.encode()
    return csv_import(kind=kind, content=content, imported_by=manager, dry_run=dry_run, **options)


def outcomes(report):
    return [(row.line, row.outcome) for row in report.rows]


def test_a_dry_run_says_what_each_row_would_do_and_writes_nothing(manager):
    report = run(manager, CLIENTS, dry_run=True)
    assert report.error == ""
    assert outcomes(report) == [(2, "created"), (3, "created"), (4, "refused"), (5, "matched")]
    assert "not an e-mail address" in report.rows[2].message
    assert "line 2" in report.rows[3].message
    assert report.ignored_columns == ["Notes"]
    assert not User.objects.filter(email="ann@example.com").exists()
    assert not OutboundMessage.objects.exists()


def test_the_import_creates_invited_clients_and_a_second_run_creates_nothing(
    manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        report = run(manager, CLIENTS)
    assert report.counts == {"created": 2, "matched": 1, "refused": 1}, report.rows
    ann = User.objects.get(email="ann@example.com")
    assert (ann.first_name, ann.last_name, ann.phone) == ("Ann", "Archer", "07911 123456")
    assert ann.groups.filter(name=Role.CLIENT.value).exists() and not ann.has_usable_password()
    consent = MarketingConsent.objects.get(person=ann)
    assert (consent.channel, consent.given_via) == ("email", "import")
    assert not MarketingConsent.objects.filter(person__email="bob@example.com").exists()
    outbox_dispatch_due(seconds=5)
    invitation = next(email for email in mail.outbox if email.to == ["ann@example.com"])
    assert "/accounts/password/reset/key/" in invitation.body
    assert "consultation form" in invitation.body
    again = run(manager, CLIENTS)
    assert again.counts == {"created": 0, "matched": 3, "refused": 1}
    assert User.objects.filter(email__in=["ann@example.com", "bob@example.com"]).count() == 2


def test_an_existing_client_is_matched_by_phone(manager):
    ClientFactory(email="ann.old@example.com", phone="+44 7911 123456")
    report = run(manager, CLIENTS, dry_run=True)
    assert report.rows[0].outcome == "matched"
    assert "ann.old@example.com" in report.rows[0].message


def test_a_file_in_another_encoding_is_refused_with_what_to_do(manager):
    content = "Email,First name,Last name\nzoe@example.com,Zoë,Müller\n".encode("cp1252")
    report = run(manager, content)
    assert "not UTF-8" in report.error and "line 2" in report.error
    assert not User.objects.filter(email="zoe@example.com").exists()
    assert run(manager, content, encoding="cp1252").counts["created"] == 1
    assert User.objects.get(email="zoe@example.com").first_name == "Zoë"


def test_a_missing_column_names_it_and_the_columns_found(manager):
    report = run(manager, "Name,Phone\nAnn Archer,0770\n")
    assert "no “email” column" in report.error
    assert "Name, Phone" in report.error


def test_more_rows_than_the_limit_is_refused_as_a_whole(manager, settings):
    settings.RECORDS_IMPORT_MAX_ROWS = 3
    content = "email,name\n" + "".join(f"p{n}@example.com,P {n}\n" for n in range(4))
    report = run(manager, content)
    assert "more than 3 rows" in report.error
    assert not User.objects.filter(email__startswith="p0@").exists()


def test_binary_or_empty_files_are_refused(manager):
    assert "empty" in run(manager, b"").error
    assert "not a CSV" in run(manager, b"email\x00,name\n").error


# --- Appointments -----------------------------------------------------------------------------


@pytest.fixture
def clinic(manager):
    return bookable_clinic(practitioners=1, rooms=2)


def next_weekday(days_ahead=10):
    day = timezone.localdate() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def appointments_csv(clinic, rows):
    lines = ["Client Email,Date,Start Time,Service,Areas,Therapist"]
    name = clinic.practitioners[0].user.email
    lines += [f"{email},{day},{at},{clinic.treatment.slug},{areas},{name}" for email, day, at, areas in rows]
    return "\n".join(lines) + "\n"


def test_appointments_go_through_the_booking_rules_and_refusals_are_listed(manager, clinic):
    client, other = ClientFactory(), ClientFactory()
    day = next_weekday()
    dmy = day.strftime("%d/%m/%Y")
    past = (timezone.localdate() - timedelta(days=3)).strftime("%d/%m/%Y")
    content = appointments_csv(
        clinic,
        [
            (client.email, dmy, "10:00", "face"),
            (other.email, dmy, "10:15", "face; neck"),  # the practitioner is needling the first client
            (client.email, dmy, "10:00", "face"),  # the same row twice
            ("nobody@example.com", dmy, "11:00", "face"),
            (other.email, day.strftime("%m/%d/%Y") if day.day > 12 else "31/31/2026", "11:00", "face"),
            (other.email, past, "11:00", "face"),
            (other.email, dmy, "2:00 pm", "elbows"),
        ],
    )
    report = run(manager, content, kind="appointments")
    assert report.error == ""
    by_line = {row.line: row for row in report.rows}
    assert by_line[2].outcome == "created"
    assert by_line[3].outcome == "refused" and "taken" in by_line[3].message  # the service's words
    assert by_line[4].outcome == "matched" and "line 2" in by_line[4].message
    assert "import the clients first" in by_line[5].message
    assert "not a" in by_line[6].message and "day/month/year" in by_line[6].message
    assert "in the past" in by_line[7].message
    assert "“elbows” is not an area" in by_line[8].message
    booked = Appointment.objects.get(client=client)
    assert booked.booked_by == manager and booked.status == Appointment.Status.BOOKED
    assert OutboundMessage.objects.filter(appointment_id=booked.pk, kind="booking_confirmation").exists()
    again = run(manager, content, kind="appointments")
    assert again.counts["created"] == 0
    assert Appointment.objects.count() == 1


def test_a_failure_half_way_leaves_the_database_as_it_was(manager, clinic, monkeypatch):
    import bookings.services.appointment_batch as module

    clients = [ClientFactory(), ClientFactory()]
    day = next_weekday().strftime("%d/%m/%Y")
    content = appointments_csv(
        clinic, [(clients[0].email, day, "10:00", "face"), (clients[1].email, day, "14:00", "face")]
    )
    # The appointments, their history and their messages are written; then the disk fills up.
    written = []

    def crash_after_the_inserts(**kwargs):
        written.append(Appointment.objects.count())
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(module, "waitlist_mark_booked_many", crash_after_the_inserts)
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    name = storages["private"].save("imports/test.csv", ContentFile(content.encode()))
    import_run = ImportRun.objects.create(kind="appointments", dry_run=False, file_name=name, uploaded_by=manager)
    done = import_run_execute(run_id=import_run.pk)
    assert done.status == ImportRun.Status.FAILED
    assert "nothing was imported" in done.report["error"]
    assert written == [2]  # it did fail half-way
    assert not Appointment.objects.exists()
    assert not OutboundMessage.objects.exists()
    assert import_run_execute(run_id=import_run.pk).status == ImportRun.Status.FAILED  # a second run does nothing


def test_the_manager_uploads_reads_the_dry_run_and_imports(client, manager, django_capture_on_commit_callbacks):
    log_in(client, manager)
    assert client.get(reverse("records:import_csv")).status_code == 200
    upload = SimpleUploadedFile("clients.csv", CLIENTS.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            reverse("records:import_csv"),
            {"kind": "clients", "encoding": "utf-8", "date_format": "dmy", "file": upload},
        )
    dry = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("records:import_run", args=[dry.pk])
    waiting = client.get(reverse("records:import_run", args=[dry.pk])).content.decode()
    assert 'http-equiv="refresh"' in waiting
    import_run_execute(run_id=dry.pk)
    page = client.get(reverse("records:import_run", args=[dry.pk])).content.decode()
    assert "not an e-mail address" in page and "Import this file" in page
    assert not User.objects.filter(email="ann@example.com").exists()
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("records:import_run", args=[dry.pk]))
    real = ImportRun.objects.get(dry_run=False)
    import_run_execute(run_id=real.pk)
    assert User.objects.filter(email="ann@example.com").exists()
    assert ImportRun.objects.get(pk=real.pk).report["counts"]["created"] == 2


def test_only_managers_import(client, db, clinic_profile):
    log_in(client, ClientFactory())
    assert client.get(reverse("records:import_csv")).status_code == 403


def test_a_file_of_50000_rows_is_refused_at_once_with_what_to_do(manager):
    content = "email,name\n" + "".join(f"p{n}@example.com,Person {n}\n" for n in range(50_000))
    report = run(manager, content, dry_run=True)
    assert "more than 20,000 rows" in report.error and "Split it" in report.error
    assert report.rows == []


def test_a_file_of_50000_rows_through_the_pages_is_a_plain_message_quickly(
    client, manager, django_capture_on_commit_callbacks
):
    """Uploaded, dry-run by the task, shown on the run's page: a sentence, not a 500 or a timeout."""
    import time

    log_in(client, manager)
    content = "email,name\n" + "".join(f"p{n}@example.com,Person {n}\n" for n in range(50_000))
    upload = SimpleUploadedFile("everyone.csv", content.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            reverse("records:import_csv"),
            {"kind": "clients", "encoding": "utf-8", "date_format": "dmy", "file": upload},
        )
    assert response.status_code == 302
    started = time.perf_counter()
    run_ = import_run_execute(run_id=ImportRun.objects.get().pk)
    assert time.perf_counter() - started < 30
    assert run_.status == ImportRun.Status.FAILED
    page = client.get(reverse("records:import_run", args=[run_.pk]))
    assert page.status_code == 200
    assert "more than 20,000 rows" in page.content.decode() and "Split it" in page.content.decode()
    assert not User.objects.filter(email="p0@example.com").exists()


def test_dates_in_another_format_import_when_that_format_is_chosen(manager, clinic):
    client = ClientFactory()
    day = next_weekday(days_ahead=16)  # day of the month > 12 keeps day/month and month/day apart
    while day.day <= 12 or day.weekday() >= 5:
        day += timedelta(days=1)
    for written, chosen in ((day.strftime("%m/%d/%Y"), "mdy"), (day.strftime("%Y-%m-%d"), "ymd")):
        refused = run(
            manager, appointments_csv(clinic, [(client.email, written, "10:00", "face")]), kind="appointments"
        )
        assert refused.counts["refused"] == 1 and "day/month/year" in refused.rows[0].message
        dry = run(manager, appointments_csv(clinic, [(client.email, written, "10:00", "face")]),
                  kind="appointments", date_format=chosen, dry_run=True)  # fmt: skip
        assert dry.counts["created"] == 1 and not Appointment.objects.exists()
    report = run(manager, appointments_csv(clinic, [(client.email, written, "10:00", "face")]),
                 kind="appointments", date_format="ymd")  # fmt: skip
    assert report.counts["created"] == 1
    booked = Appointment.objects.get(client=client)
    assert timezone.localtime(booked.starts_at).date() == day and timezone.localtime(booked.starts_at).hour == 10


def test_an_appointment_overlapping_one_already_booked_is_refused_and_listed(manager, clinic):
    from bookings.services.appointments import appointment_book
    from bookings.tests.conftest import at

    day = next_weekday()
    practitioner = clinic.practitioners[0]
    there = appointment_book(
        client=ClientFactory(), treatment=clinic.treatment, areas=["face"],
        starts_at=at(day, "10:00"),
        booked_by=manager, practitioner=practitioner,
    )  # fmt: skip
    newcomer, other = ClientFactory(), ClientFactory()
    dmy = day.strftime("%d/%m/%Y")
    content = appointments_csv(clinic, [(newcomer.email, dmy, "10:15", "face"), (other.email, dmy, "14:00", "face")])
    report = run(manager, content, kind="appointments")
    assert outcomes(report) == [(2, "refused"), (3, "created")]
    assert "taken" in report.rows[0].message and "nearest free times" in report.rows[0].message
    assert not Appointment.objects.filter(client=newcomer).exists()
    assert Appointment.objects.filter(practitioner=practitioner).count() == 2
    assert Appointment.objects.get(client=other).starts_at > there.ends_at


def test_a_clients_import_that_fails_half_way_leaves_nothing(manager, monkeypatch):
    """The users, their e-mail addresses and consents are written; then the invitations fail."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    def full_disk(*args, **kwargs):
        assert User.objects.filter(email="ann@example.com").exists()  # it did get half-way
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(OutboundMessage.objects, "bulk_create", full_disk)
    name = storages["private"].save("imports/clients.csv", ContentFile(CLIENTS.encode()))
    import_run = ImportRun.objects.create(kind="clients", dry_run=False, file_name=name, uploaded_by=manager)
    done = import_run_execute(run_id=import_run.pk)
    assert done.status == ImportRun.Status.FAILED and "nothing was imported" in done.report["error"]
    assert not User.objects.filter(email__in=["ann@example.com", "bob@example.com"]).exists()
    assert not MarketingConsent.objects.exists()


def test_spacing_and_closed_days_in_the_file_are_refused_and_listed(manager, clinic):
    """The file's own rows count for spacing (the second session 14 days after the first), and
    a Sunday or a bank holiday is closed, as for any booking."""
    from bookings.models import ClinicClosure
    from bookings.tests.conftest import at

    client = ClientFactory()
    first = next_weekday()
    sunday = first + timedelta(days=6 - first.weekday())
    holiday = first + timedelta(days=35)
    while holiday.weekday() >= 5:
        holiday += timedelta(days=1)
    ClinicClosure.objects.create(starts_at=at(holiday, "00:00"), ends_at=at(holiday + timedelta(days=1), "00:00"))
    rows = [
        (client.email, first.strftime("%d/%m/%Y"), "10:00", "face"),
        (client.email, (first + timedelta(days=14)).strftime("%d/%m/%Y"), "10:00", "face"),
        (ClientFactory().email, sunday.strftime("%d/%m/%Y"), "10:00", "face"),
        (ClientFactory().email, holiday.strftime("%d/%m/%Y"), "10:00", "face"),
        (client.email, (first + timedelta(days=28)).strftime("%d/%m/%Y"), "10:00", "face"),
    ]
    report = run(manager, appointments_csv(clinic, rows), kind="appointments")
    assert outcomes(report) == [(2, "created"), (3, "refused"), (4, "refused"), (5, "refused"), (6, "created")]
    assert "at least 28 days" in report.rows[1].message
    assert "closed" in report.rows[2].message and "closed" in report.rows[3].message
    sessions = Appointment.objects.filter(client=client).order_by("starts_at")
    assert [s.course_id for s in sessions] == [sessions[0].course_id] * 2  # one course of two sessions
