"""Spacing held by the database (PostgreSQL): whatever writes a session (a shell ``.save()``, raw
SQL, a service that raced), two active sessions of one client and treatment on the same area are
never closer than the treatment's minimum, counted in calendar days on the clinic's clock."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from bookings.availability import Reason
from bookings.models import Appointment, Course, Treatment
from bookings.services.appointments import appointment_book, appointment_cancel, appointment_reschedule
from bookings.tests.conftest import MONDAY, at, days
from bookings.tests.factories import AppointmentFactory
from clinic.models import ClinicProfile
from clinic.tests.factories import FrontDeskFactory

pytestmark = [
    pytest.mark.usefixtures("frozen_monday"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the spacing trigger is PostgreSQL's"),
]

SPACING_SQLSTATE = "23S01"
INSTANTS = ("starts_at", "needling_starts_at", "needling_ends_at", "ends_at")


def session(clinic, client, day: date, hhmm: str = "10:00", *, areas=("face",), number: int = 0, **extra):
    """A session written straight to the table (no service), as a shell or a script would."""
    return AppointmentFactory(
        client=client,
        treatment=clinic.treatment,
        practitioner=clinic.practitioners[number % 2],
        room=clinic.rooms[number % 2],
        starts_at=at(day, hhmm),
        areas=list(areas),
        **extra,
    )


def refused_by_spacing(error: IntegrityError) -> bool:
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) == SPACING_SQLSTATE and cause.diag.constraint_name == "appointment_spacing"


def raw_insert(clinic, client, starts_at: datetime, *, areas='["face"]', status="booked") -> None:
    course = Course.objects.create(client=client, treatment=clinic.treatment, areas=["face"])
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO bookings_appointment (
                client_id, treatment_id, areas, practitioner_id, room_id, course_id, status,
                starts_at, needling_starts_at, needling_ends_at, ends_at, channel,
                late_booking_reason, starts_new_course, cancelled_by_party, cancellation_late,
                cancellation_reason, created_at, updated_at
            ) VALUES (%s, %s, %s::jsonb, %s, %s, %s, %s, %s, %s, %s, %s, 'staff', '', false, '', false, '', now(), now())
            """,
            [
                client.pk,
                clinic.treatment.pk,
                areas,
                clinic.practitioners[1].pk,
                clinic.rooms[1].pk,
                course.pk,
                status,
                starts_at,
                starts_at + timedelta(minutes=30),
                starts_at + timedelta(minutes=75),
                starts_at + timedelta(minutes=90),
            ],
        )


def test_a_raw_sql_insert_5_days_after_a_session_is_refused_and_nothing_is_written(clinic, client_user):
    session(clinic, client_user, MONDAY + days(2))

    with pytest.raises(IntegrityError) as error, transaction.atomic():
        raw_insert(clinic, client_user, at(MONDAY + days(7), "10:00"))

    assert refused_by_spacing(error.value)
    assert "5 days from session" in str(error.value)
    assert Appointment.objects.filter(client=client_user).count() == 1


def test_a_raw_sql_insert_28_days_after_is_accepted(clinic, client_user):
    session(clinic, client_user, MONDAY + days(2))
    raw_insert(clinic, client_user, at(MONDAY + days(30), "10:00"))
    assert Appointment.objects.filter(client=client_user).count() == 2


def test_the_shell_objects_create_and_save_are_refused_too(clinic, client_user):
    first = session(clinic, client_user, MONDAY + days(2))
    fields = {
        "client": client_user,
        "treatment": clinic.treatment,
        "areas": ["neck", "face"],
        "practitioner": clinic.practitioners[1],
        "room": clinic.rooms[1],
        "course": first.course,
        "starts_at": at(MONDAY + days(7), "10:00"),
        "needling_starts_at": at(MONDAY + days(7), "10:30"),
        "needling_ends_at": at(MONDAY + days(7), "11:30"),
        "ends_at": at(MONDAY + days(7), "11:45"),
        "channel": Appointment.Channel.STAFF,
    }

    with pytest.raises(IntegrityError) as created, transaction.atomic():
        Appointment.objects.create(**fields)
    with pytest.raises(IntegrityError) as saved, transaction.atomic():
        Appointment(**fields).save()

    assert refused_by_spacing(created.value) and refused_by_spacing(saved.value)
    assert list(Appointment.objects.filter(client=client_user)) == [first]


def test_an_update_moving_a_session_closer_than_the_minimum_is_refused(clinic, client_user):
    session(clinic, client_user, MONDAY + days(2))
    later = session(clinic, client_user, MONDAY + days(30), number=1)

    later.starts_at = at(MONDAY + days(20), "10:00")
    later.needling_starts_at = later.starts_at + timedelta(minutes=30)
    later.needling_ends_at = later.starts_at + timedelta(minutes=75)
    later.ends_at = later.starts_at + timedelta(minutes=90)
    with pytest.raises(IntegrityError) as saved, transaction.atomic():
        later.save()
    with pytest.raises(IntegrityError) as raw, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            # Every instant moves (a session stays within a day: the appointment_within_a_day check).
            "UPDATE bookings_appointment SET starts_at = starts_at - interval '10 days', "
            "needling_starts_at = needling_starts_at - interval '10 days', "
            "needling_ends_at = needling_ends_at - interval '10 days', ends_at = ends_at - interval '10 days' "
            "WHERE id = %s",
            [later.pk],
        )
    with pytest.raises(IntegrityError) as areas, transaction.atomic():
        # The thighs session 5 days later is fine until it takes in the face.
        thighs = session(clinic, client_user, MONDAY + days(7), areas=["thighs"])
        Appointment.objects.filter(pk=thighs.pk).update(areas=["thighs", "face"])

    assert refused_by_spacing(saved.value) and refused_by_spacing(raw.value) and refused_by_spacing(areas.value)
    later.refresh_from_db()
    assert later.starts_at == at(MONDAY + days(30), "10:00")


def test_cancelled_sessions_and_no_shows_do_not_count(clinic, client_user):
    cancelled = session(clinic, client_user, MONDAY + days(2), status=Appointment.Status.CANCELLED)
    session(clinic, client_user, MONDAY + days(4), status=Appointment.Status.NO_SHOW, number=1)

    raw_insert(clinic, client_user, at(MONDAY + days(7), "10:00"))
    booked = session(clinic, client_user, MONDAY + days(40))
    booked.status = Appointment.Status.NO_SHOW  # a no-show 5 days after one that counts: fine
    booked.starts_at = at(MONDAY + days(12), "10:00")
    booked.needling_starts_at, booked.needling_ends_at = booked.starts_at, booked.starts_at + timedelta(hours=1)
    booked.ends_at = booked.needling_ends_at
    booked.save()

    assert Appointment.objects.filter(client=client_user).count() == 4
    # Brought back to life, a cancelled session counts again.
    cancelled.status, cancelled.cancelled_at = Appointment.Status.BOOKED, None
    with pytest.raises(IntegrityError) as revived, transaction.atomic():
        cancelled.save()
    assert refused_by_spacing(revived.value)


def test_a_face_session_and_a_thigh_session_5_days_apart_share_no_area_and_are_allowed(clinic, client_user):
    session(clinic, client_user, MONDAY + days(2), areas=["face", "neck"])
    session(clinic, client_user, MONDAY + days(7), areas=["thighs"], number=1)
    raw_insert(clinic, client_user, at(MONDAY + days(9), "10:00"), areas='["abdomen"]')
    assert Appointment.objects.filter(client=client_user).count() == 3


def test_another_clients_session_or_another_treatment_does_not_count(clinic, client_user):
    from bookings.tests.factories import TreatmentFactory
    from clinic.tests.factories import ClientFactory

    session(clinic, client_user, MONDAY + days(2))
    session(clinic, ClientFactory(), MONDAY + days(3), number=1)
    peel = TreatmentFactory(slug="peel", name="Peel", needs_clearance=False)
    AppointmentFactory(client=client_user, treatment=peel, starts_at=at(MONDAY + days(4), "15:00"), areas=["face"])
    assert Appointment.objects.count() == 3


def test_calendar_days_across_the_spring_clock_change_are_local_days(clinic, client_user):
    """Monday 2 March 10:00 GMT to Monday 30 March 10:00 BST is 27 days and 23 hours, but 28
    calendar days in London: allowed. Sunday 29 March (27 days) is refused."""
    session(clinic, client_user, date(2026, 3, 2))

    with pytest.raises(IntegrityError) as error, transaction.atomic():
        raw_insert(clinic, client_user, at(date(2026, 3, 29), "10:00"))
    raw_insert(clinic, client_user, at(date(2026, 3, 30), "10:00"))

    assert refused_by_spacing(error.value)
    elapsed = at(date(2026, 3, 30), "10:00").astimezone(UTC) - at(date(2026, 3, 2), "10:00").astimezone(UTC)
    assert elapsed == timedelta(days=27, hours=23)
    assert Appointment.objects.filter(client=client_user).count() == 2


def test_a_session_after_midnight_in_summer_counts_on_its_london_day_not_its_utc_day(clinic, client_user):
    """00:30 BST on Monday 29 June is 23:30 UTC on Sunday 28 June: 28 London days after Monday
    1 June (allowed), though only 27 UTC dates."""
    session(clinic, client_user, date(2026, 6, 1))
    late = datetime(2026, 6, 28, 23, 30, tzinfo=UTC)
    raw_insert(clinic, client_user, late)
    assert late.date() - date(2026, 6, 1) == timedelta(days=27)
    assert Appointment.objects.filter(client=client_user).count() == 2


def test_the_days_are_counted_on_the_clock_of_the_clinic_profile(clinic, client_user):
    """The same two instants: 28 days apart in London, 27 in Auckland (12 hours ahead)."""
    session(clinic, client_user, date(2026, 6, 1), "14:00")  # 13:00 UTC: 01:00 on 2 June in Auckland
    second = datetime(2026, 6, 29, 10, 0, tzinfo=UTC)  # 11:00 London, 22:00 in Auckland

    profile = ClinicProfile.get()
    profile.time_zone = "Pacific/Auckland"
    profile.save(update_fields=["time_zone"])
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        raw_insert(clinic, client_user, second)
    profile.time_zone = "Europe/London"
    profile.save(update_fields=["time_zone"])
    raw_insert(clinic, client_user, second)

    assert refused_by_spacing(error.value)
    assert Appointment.objects.filter(client=client_user).count() == 2


def test_areas_that_are_not_a_list_are_refused(clinic, client_user):
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        raw_insert(clinic, client_user, at(MONDAY + days(2), "10:00"), areas='"face"')
    assert refused_by_spacing(error.value)
    assert "JSON list" in str(error.value)


def test_the_booking_service_still_gives_its_own_message_first(clinic, client_user):
    session(clinic, client_user, MONDAY + days(2))
    with pytest.raises(ValidationError) as error:
        appointment_book(
            client=client_user,
            treatment=clinic.treatment,
            areas=["face"],
            starts_at=at(MONDAY + days(7), "10:00"),
            booked_by=FrontDeskFactory(),
        )
    refusal = error.value.error_dict["starts_at"][0]
    assert refusal.code == Reason.SPACING
    assert "too close to the session on Wednesday 3 June 2026" in refusal.message
    assert "The next possible date is Wednesday 1 July 2026." in " ".join(error.value.messages)


def test_a_minimum_raised_while_a_booking_was_being_checked_reaches_the_client_as_a_plain_message(clinic, client_user):
    """The service checked against 28 days (the treatment it was given); the manager had just
    raised the minimum to 35: the trigger refuses the insert and the client reads why."""
    session(clinic, client_user, MONDAY + days(2))
    stale = Treatment.objects.get(pk=clinic.treatment.pk)
    Treatment.objects.filter(pk=stale.pk).update(spacing_min_days=35, spacing_max_days=49)
    desk = FrontDeskFactory()

    with pytest.raises(ValidationError) as booked:
        appointment_book(
            client=client_user,
            treatment=stale,
            areas=["face"],
            starts_at=at(MONDAY + days(32), "10:00"),
            booked_by=desk,
        )
    later = session(clinic, client_user, MONDAY + days(40), number=1)
    with pytest.raises(ValidationError) as moved:
        appointment_reschedule(appointment=later, starts_at=at(MONDAY + days(32), "10:00"), changed_by=desk)

    refusal = booked.value.error_dict["starts_at"][0]
    assert refusal.code == Reason.SPACING
    assert refusal.message == (
        "Sessions on the same area need at least 35 days between them; this date is too close to "
        "another session of Micro-needling on the same area. Please choose another date."
    )
    # Moving reads the treatment afresh (with the session locked): its own check says it.
    assert moved.value.error_dict["starts_at"][0].code == Reason.SPACING
    assert Appointment.objects.filter(client=client_user).count() == 2
    later.refresh_from_db()
    assert later.starts_at == at(MONDAY + days(40), "10:00")


def test_sessions_that_no_longer_fit_can_still_be_checked_in_moved_within_their_day_and_cancelled(clinic, client_user):
    """The minimum went up to 35 after two sessions 30 days apart were booked: the later one can
    still be changed in every way that does not move it to another day; a new day must fit."""
    session(clinic, client_user, MONDAY + days(2))
    later = session(clinic, client_user, MONDAY + days(32), number=1)
    Treatment.objects.filter(pk=clinic.treatment.pk).update(spacing_min_days=35, spacing_max_days=49)

    Appointment.objects.filter(pk=later.pk).update(status=Appointment.Status.CHECKED_IN)
    Appointment.objects.filter(pk=later.pk).update(status=Appointment.Status.BOOKED, room=clinic.rooms[0])
    later.refresh_from_db()
    later.starts_at += timedelta(hours=4)  # 14:00 the same day
    later.needling_starts_at += timedelta(hours=4)
    later.needling_ends_at += timedelta(hours=4)
    later.ends_at += timedelta(hours=4)
    later.save()  # a full save writes every column; nothing that matters changed
    with pytest.raises(IntegrityError) as next_day, transaction.atomic():
        Appointment.objects.filter(pk=later.pk).update(**{name: F(name) + days(1) for name in INSTANTS})
    assert refused_by_spacing(next_day.value)

    appointment_cancel(appointment=later, cancelled_by=FrontDeskFactory(), reason="Too close after the change")
    later.refresh_from_db()
    assert later.status == Appointment.Status.CANCELLED
    assert later.starts_at == at(MONDAY + days(32), "14:00")


@pytest.mark.django_db(transaction=True)
def test_deferred_a_transaction_may_move_two_sessions_in_steps_and_is_checked_on_the_end_state(clinic_profile):
    """Swapping the areas of two sessions 5 days apart (face+thighs): after the first step both
    are on the face; at commit they share nothing. Deferred, that passes; the same steps with a
    clash left at the end are refused at commit and leave nothing."""
    from bookings.tests.factories import bookable_clinic
    from clinic.tests.factories import ClientFactory

    clinic = bookable_clinic()
    client = ClientFactory()
    face = session(clinic, client, MONDAY + days(2), areas=["face"])
    thighs = session(clinic, client, MONDAY + days(7), areas=["thighs"], number=1)

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS appointment_spacing DEFERRED")
        Appointment.objects.filter(pk=thighs.pk).update(areas=["face"])
        Appointment.objects.filter(pk=face.pk).update(areas=["thighs"])
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS appointment_spacing DEFERRED")
        Appointment.objects.filter(pk=face.pk).update(areas=["face"])
        Appointment.objects.filter(pk=face.pk).update(**{name: F(name) + days(4) for name in INSTANTS})

    assert refused_by_spacing(error.value)
    face.refresh_from_db()
    thighs.refresh_from_db()
    assert (face.areas, face.starts_at, thighs.areas) == (["thighs"], at(MONDAY + days(2), "10:00"), ["face"])


def test_the_trigger_is_installed_once_and_deferrable(db):
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT tgname, tgdeferrable, tginitdeferred FROM pg_trigger
               WHERE tgrelid = 'bookings_appointment'::regclass AND NOT tgisinternal
                 AND tgname NOT LIKE 'insights_stale_%' ORDER BY tgname"""
        )
        rows = cursor.fetchall()
    assert rows == [("appointment_spacing", True, False)]
