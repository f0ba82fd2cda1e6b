"""bookings' reads, by sub-domain: ``availability`` (what the engine needs, the days it offers),
``schedules`` (the desk's day, a practitioner's week), ``client`` (a client's own pages), ``desk``
(the front desk's searches and client pages), ``course_plan`` (the rest of a course, proposed).
Each runs a fixed number of queries, held by tests."""
