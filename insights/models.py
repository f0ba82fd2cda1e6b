"""insights' own tables: derived data, never a source of truth.

``SessionFact`` is one row per appointment with what the reports count already worked out (its
location's local day and hour, the minutes, how long ahead it was booked, and what happened after
it: the next session's local day, the gap since the course's previous completed session, whether
it is the last session of its course). A year of a chain is then a scan of narrow rows, with no
time-zone conversion and no look-up of later sessions per row.

``StaleClient`` is the queue that keeps the facts right: PostgreSQL triggers (migration 0001) add
the client of every appointment inserted, updated or deleted, by any path (the ORM, ``bulk_create``,
the admin, raw SQL, ``COPY``); a change to locations or the clinic's time zone adds a row without
a client (every fact). ``insights.facts.facts_refresh`` works the queue off before a report is
read. Every figure a fact holds depends only on the sessions of its own client (and the set-up),
so recomputing the queued clients' facts is enough.
"""

from django.conf import settings
from django.db import models


def _ref(model: str, related_name: str = "+", db_index: bool = False) -> models.ForeignKey:
    # No database constraint and nothing done on delete: a fact goes with its appointment through
    # the queue, never through Django's collector (which would read the facts of every deletion).
    # Indexed only where a read needs it (the day indexes below lead with location, practitioner
    # and room): every index is written again for each refreshed fact.
    return models.ForeignKey(
        model, on_delete=models.DO_NOTHING, db_constraint=False, related_name=related_name, db_index=db_index
    )


class SessionFact(models.Model):
    class Outcome(models.IntegerChoices):
        UNDER_WAY = 0, "Booked, not over yet"
        COMPLETED = 1, "Completed"
        CANCELLED_ON_TIME = 2, "Cancelled on time"
        CANCELLED_LATE = 3, "Cancelled late"
        NO_SHOW = 4, "No-show"

    # The outcomes of sessions that hold their time (the appointments' active statuses).
    HOLDING_TIME = (Outcome.UNDER_WAY, Outcome.COMPLETED)

    appointment_id = models.BigIntegerField(primary_key=True)
    client = _ref(settings.AUTH_USER_MODEL, db_index=True)  # the refresh replaces a client's facts
    treatment = _ref("bookings.Treatment")
    course = _ref("bookings.Course", related_name="session_facts", db_index=True)
    practitioner = _ref("bookings.Practitioner")
    room = _ref("bookings.Room")
    location = _ref("clinic.Location")
    outcome = models.SmallIntegerField(choices=Outcome.choices)
    channel = models.CharField(max_length=8)
    local_day = models.DateField(help_text="The arrival's day on its location's clock.")
    local_hour = models.SmallIntegerField()
    iso_weekday = models.SmallIntegerField(help_text="1 Monday .. 7 Sunday, of local_day.")
    lead_band = models.SmallIntegerField(
        help_text="How long before the arrival it was booked: insights.facts.LEAD_TIMES."
    )
    needling_minutes = models.FloatField()
    held_minutes = models.FloatField(help_text="Numbing, needling and turnover: the room's.")
    rebooked_same_day = models.BooleanField(
        null=True, help_text="Completed: a later session of the treatment was booked on its local day, after arrival."
    )
    rebooked_in_window = models.BooleanField(
        null=True, help_text="Completed: the next active session of the treatment is inside the course window."
    )
    gap_days = models.IntegerField(
        null=True, help_text="Completed: local days since the course's previous completed session."
    )
    gap_early = models.BooleanField(null=True, help_text="gap_days under the treatment's minimum.")
    gap_late = models.BooleanField(null=True, help_text="gap_days over the treatment's maximum.")
    last_of_course = models.BooleanField(help_text="Active and the course's last active session.")
    course_done = models.IntegerField(null=True, help_text="On the course's last session: its completed sessions.")
    closes_on = models.DateField(
        null=True,
        help_text="On the last session of an open, unfinished course: the day its window closes (lapsed courses).",
    )

    class Meta:
        indexes = [
            models.Index(fields=["local_day"], name="fact_day"),
            models.Index(fields=["location", "local_day"], name="fact_location_day"),
            models.Index(fields=["practitioner", "local_day"], name="fact_practitioner_day"),
            models.Index(fields=["room", "local_day"], name="fact_room_day"),
            # Lapsed courses and the call list: the few last sessions of open, unfinished courses.
            models.Index(fields=["closes_on"], name="fact_window_closes", condition=models.Q(closes_on__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"Facts of appointment {self.appointment_id}"


class StaleClient(models.Model):
    """A client whose facts are to be worked out again; no client: every fact. Rows are only ever
    added (by the triggers) and taken (by the refresh): no unique key, so writers never wait on
    each other here."""

    client_id = models.BigIntegerField(null=True)
    queued_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Stale facts of client {self.client_id or 'every client'}"
