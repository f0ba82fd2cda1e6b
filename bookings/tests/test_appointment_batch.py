"""Booking many sessions at once (the import's path): the same rules and the same writes as
``appointment_book``, each row seeing the rows before it, the database's constraints the last word,
and a number of queries that does not grow with the rows."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bookings.models import Appointment, AppointmentStatusChange, ClinicClosure, Course
from bookings.services import appointment_batch
from bookings.services.appointment_batch import BatchBooking, BatchClash, appointments_book_many
from bookings.services.appointments import appointment_book
from bookings.tests.conftest import MONDAY, at, days
from clinic.models import AuditEntry, OutboundMessage
from clinic.tests.factories import ClientFactory

pytestmark = pytest.mark.usefixtures("frozen_monday")

TUESDAY = MONDAY + days(1)
REASON = "Imported from the previous system."


def book_many(clinic, by, rows):
    """rows: (client, when, areas[, practitioner]) -> the results, in one transaction."""
    bookings = [
        BatchBooking(
            client=row[0],
            treatment=clinic.treatment,
            areas=list(row[2]),
            starts_at=row[1],
            practitioner=row[3] if len(row) > 3 else clinic.practitioners[0],
        )
        for row in rows
    ]
    with transaction.atomic():
        return appointments_book_many(bookings=bookings, booked_by=by, late_booking_reason=REASON)


def refusal(result) -> str:
    assert isinstance(result, ValidationError), result
    return " ".join(result.messages)


def test_a_batch_booking_writes_what_a_single_booking_writes(clinic, front_desk):
    alone, batched = ClientFactory(), ClientFactory()
    single = appointment_book(
        client=alone, treatment=clinic.treatment, areas=["face"], starts_at=at(TUESDAY + days(7), "10:00"),
        booked_by=front_desk, practitioner=clinic.practitioners[0],
    )  # fmt: skip
    [batch] = book_many(clinic, front_desk, [(batched, at(TUESDAY + days(8), "10:00"), ["face"])])

    def shape(appointment):
        messages = OutboundMessage.objects.filter(appointment_id=appointment.pk)
        return {
            "status": appointment.status,
            "channel": appointment.channel,
            "booked_by": appointment.booked_by_id,
            "hold": (appointment.ends_at - appointment.starts_at, appointment.needling_ends_at - appointment.starts_at),
            "course": (appointment.course.planned_sessions, appointment.course.areas, appointment.starts_new_course),
            "history": list(appointment.status_changes.values_list("from_status", "to_status", "changed_by")),
            "messages": sorted(
                (m.kind, m.version, m.essential, m.due_at - appointment.starts_at if m.kind == "reminder" else None)
                for m in messages
            ),
            "audit": list(
                AuditEntry.objects.filter(target_id=str(appointment.pk), action="appointment.booked").values_list(
                    "actor", "subject", "details__channel"
                )
            ),
        }

    single_shape, batch_shape = shape(single), shape(Appointment.objects.get(pk=batch.pk))
    assert batch_shape["audit"] == [(front_desk.pk, batched.pk, "staff")]
    single_shape["audit"] = [(front_desk.pk, batched.pk, "staff")]
    assert batch_shape == single_shape
    assert {kind for kind, *_ in batch_shape["messages"]} == {
        "booking_confirmation",
        "reminder",
        "health_update_request",
    }


def test_a_row_sees_the_rows_before_it_for_double_bookings_and_spacing(clinic, front_desk):
    ann, bob = ClientFactory(), ClientFactory()
    results = book_many(
        clinic,
        front_desk,
        [
            (ann, at(TUESDAY, "10:00"), ["face"]),
            (bob, at(TUESDAY, "10:15"), ["face"]),  # the practitioner is needling Ann then
            (ann, at(TUESDAY + days(14), "10:00"), ["face"]),  # 14 days after her first
            (ann, at(TUESDAY + days(28), "10:00"), ["face"]),  # the course's second session
        ],
    )
    assert isinstance(results[0], Appointment) and isinstance(results[3], Appointment)
    assert "taken" in refusal(results[1]) and "nearest free times are on Tuesday 2 June 2026" in refusal(results[1])
    assert "at least 28 days" in refusal(results[2]) and "Tuesday 2 June 2026" in refusal(results[2])
    assert Appointment.objects.filter(client=ann).count() == 2
    assert Course.objects.filter(client=ann).count() == 1  # the second joined the first's course
    assert not Appointment.objects.filter(client=bob).exists()


def test_sessions_already_booked_count_and_refusals_write_nothing(clinic, front_desk):
    ann = ClientFactory()
    appointment_book(client=ann, treatment=clinic.treatment, areas=["face"], starts_at=at(TUESDAY, "10:00"),
                     booked_by=front_desk)  # fmt: skip
    ClinicClosure.objects.create(starts_at=at(TUESDAY + days(30), "00:00"), ends_at=at(TUESDAY + days(31), "00:00"))
    results = book_many(
        clinic,
        front_desk,
        [
            (ann, at(TUESDAY + days(10), "10:00"), ["face", "neck"]),  # spacing from the booked one
            (ClientFactory(), at(MONDAY + days(6), "10:00"), ["face"]),  # a Sunday
            (ClientFactory(), at(TUESDAY + days(30), "10:00"), ["face"]),  # a bank holiday
            (ClientFactory(), at(TUESDAY, "12:45"), ["face"]),  # needling over the lunch break
        ],
    )
    assert "at least 28 days" in refusal(results[0])
    assert "closed" in refusal(results[1])
    assert "closed" in refusal(results[2])
    assert "working hours" in refusal(results[3]) or "taken" in refusal(results[3])
    assert Appointment.objects.count() == 1
    assert AppointmentStatusChange.objects.count() == 1
    assert not AuditEntry.objects.filter(action="appointment.booked").exclude(subject=ann).exists()


def test_the_database_has_the_last_word_and_then_nothing_is_written(clinic, front_desk, monkeypatch):
    """A booking made after the batch read the diary (simulated: the batch reads an empty
    diary) clashes at insert: the whole batch is refused, nothing of it kept."""
    taken = appointment_book(
        client=ClientFactory(), treatment=clinic.treatment, areas=["face"], starts_at=at(TUESDAY, "10:00"),
        booked_by=front_desk, practitioner=clinic.practitioners[0], room=clinic.rooms[0],
    )  # fmt: skip
    real_read = appointment_batch._Diary.read

    def stale_read(**kwargs):
        diary = real_read(**kwargs)
        diary.practitioners.clear()
        diary.rooms.clear()
        return diary

    monkeypatch.setattr(appointment_batch._Diary, "read", staticmethod(stale_read))
    rows = [
        (ClientFactory(), at(TUESDAY + days(1), "10:00"), ["face"]),
        (ClientFactory(), at(TUESDAY, "10:00"), ["face"]),
    ]
    with pytest.raises(BatchClash) as error:
        book_many(clinic, front_desk, rows)
    assert "just been taken" in " ".join(error.value.messages)
    assert list(Appointment.objects.values_list("pk", flat=True)) == [taken.pk]
    assert OutboundMessage.objects.exclude(appointment_id=taken.pk).count() == 0


def test_the_queries_do_not_grow_with_the_rows(clinic, front_desk):
    def queries(count, start):
        hours = ("09:00", "10:00", "11:00", "14:00", "15:00", "16:00")
        rows = [(ClientFactory(), at(TUESDAY + days(start + n // 6), hours[n % 6]), ["face"], None)
                for n in range(count)]  # fmt: skip
        with CaptureQueriesContext(connection) as captured:
            results = book_many(clinic, front_desk, rows)
        assert all(isinstance(r, Appointment) for r in results), [r for r in results if not isinstance(r, Appointment)]
        return len(captured)

    queries(1, 14)  # the set-up caches (catalogue, working hours) filled
    assert queries(2, 0) == queries(24, 7) <= 20
