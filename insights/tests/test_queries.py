"""Every report is a fixed number of queries: the same for 10 sessions as for 10,000."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.tests.factories import bookable_clinic
from insights.facts import facts_refresh
from insights.sections import SECTIONS
from insights.selectors.call_list import call_list_clearances, call_list_courses
from insights.selectors.scope import Scope, report_queries

from .bulk import bulk_money, bulk_sessions

pytestmark = pytest.mark.django_db

# The second batch starts where the first ten (two hours apart from 5 January) left off.
AFTER_THE_FIRST_TEN = datetime(2026, 1, 6, 9, 0, tzinfo=UTC)
WHOLE_TIME = Scope(date(2026, 1, 1), date(2028, 12, 31))
# Queries of each section (the set-up cache's locations read aside, which the first report reads).
# The session groups (one query) are read by the first section that needs them (utilisation) and
# shared with attendance and completion on the same page.
BUDGET = {"refresh": 7, "utilisation": 6, "attendance": 0, "completion": 2, "clinical": 3, "messages": 1, "money": 4}


def _queries(scope) -> dict[str, int]:
    """Each section's queries as the page runs them: after one refresh of the facts."""
    counts = {}
    with CaptureQueriesContext(connection) as queries, report_queries():
        pass
    counts["refresh"] = len(queries)
    with report_queries():
        for section in SECTIONS:
            with CaptureQueriesContext(connection) as queries:
                tables = section.build(scope)
            assert tables
            counts[section.code] = len(queries)
    with CaptureQueriesContext(connection) as queries:
        call_list_courses()
        call_list_clearances()
    counts["call list"] = len(queries)
    return counts


@pytest.mark.slow
def test_every_report_is_the_same_number_of_queries_for_10_and_10000_sessions(clinic_profile):
    clinic = bookable_clinic(practitioners=1, rooms=1)
    args = {"treatment": clinic.treatment, "practitioner": clinic.practitioners[0], "room": clinic.rooms[0]}
    bulk_money(bulk_sessions(10, **args, tag="few"), tag="few")
    _queries(WHOLE_TIME)  # warms the set-up cache
    few = _queries(WHOLE_TIME)
    bulk_money(bulk_sessions(9990, **args, tag="many", start=AFTER_THE_FIRST_TEN), tag="many")
    # The new sessions' facts are worked out by the next refresh (the page's, or the beat's): its
    # queries grow with the clients changed since the last one, never with the data.
    assert facts_refresh() == 9990
    many = _queries(WHOLE_TIME)
    assert few == many
    assert {code: few[code] for code in BUDGET} == BUDGET
    # Two, after the facts' refresh (a savepoint in a test, the lock, the queue and its release).
    assert few["call list"] == 2 + 4
