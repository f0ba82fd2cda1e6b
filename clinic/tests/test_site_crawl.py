"""A crawl of every page of the site, as every role, with real and with garbage input.

The demo clinic is loaded once for this module (``seed_demo``, inside a transaction that is
rolled back at the end, so other modules still start empty); each test runs in a savepoint on
top of it, so what one test's POSTs change is gone for the next.

For every URL pattern of the urlconf (admin and allauth's key-based pages aside) and every role
(anonymous, client, front desk, practitioner, manager):

- GET with the path parameters filled from real objects (the signed-in client's own and another
  client's) and with garbage (0, 999999, numbers past PostgreSQL's bigint, unknown slugs), and
  once with garbage in the query string: never a 5xx;
- POST an empty body and a body of garbage values (names taken from the page's own forms plus
  the names views read): never a 5xx;
- a client asking for another client's object gets a 404 (or the same refusal as for an id
  that does not exist: a staff page refuses a client whatever the id);
- the front desk never gets a page that holds a client's medical answers (distinctive strings
  typed into the demo's and this module's intakes, health updates, decisions and check-ins);
  a client never gets another client's e-mail address or medical answers; anonymous visitors
  get neither.

A failure names the method, the URL, the role and the input. Known bugs in other apps are
listed in ``KNOWN_BUGS`` and marked ``xfail(strict=True)``: the day one is fixed, its case
passes and strict xfail fails, to say the entry can go.
"""

import io
import re
import traceback
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from clinic.clock import clinic_today
from clinic.demo import STAFF
from clinic.dispatch import outbox_dispatch_due
from clinic.models import ClinicProfile, OutboundMessage, User
from clinic.roles import Role
from clinic.setup_cache import setup_changed
from clinic.tests.factories import log_in
from conftest import reference_data_install
from consultations.messages import ConsultationKind

ROLES = ("anonymous", "client", "front_desk", "practitioner", "manager")

# allauth's pages a person reaches without a key in the address are crawled; these are kept
# even though they are under accounts/ with the rest.
ACCOUNTS_ALWAYS = ("accounts/login/", "accounts/signup/")

# What each path parameter names, by (url name, parameter); "*" for every url.
PARAMETER_KINDS = {
    ("*", "client_id"): "client",
    ("*", "appointment_id"): "appointment",
    ("*", "plan_id"): "plan",
    ("*", "check_in_id"): "check_in",
    ("*", "entry_id"): "waitlist_entry",
    ("*", "slug"): "treatment",
    ("*", "step"): "intake_step",
    ("*", "token"): "feed_token",
    ("*", "photo_id"): "photo",
    ("*", "course_id"): "course",
    ("*", "run_id"): "import_run",
    ("*", "receipt_id"): "receipt",
    ("*", "payment_id"): "payment",
    ("consultations:intake_detail", "pk"): "intake",
    ("consultations:consent_pdf", "pk"): "intake",
    ("consultations:intake_review", "pk"): "intake",
    ("consultations:health_update_detail", "pk"): "health_update",
    ("message_detail", "pk"): "message",
    ("message_resend", "pk"): "message",
}
# Kinds of object that belong to one client: for these, a client asking for another's is a 404.
CLIENT_OWNED_KINDS = frozenset(
    {
        "client",
        "appointment",
        "plan",
        "check_in",
        "waitlist_entry",
        "intake",
        "health_update",
        "message",
        "photo",
        "course",
        "receipt",
        "payment",
    }
)
GARBAGE_INTS = ("0", "999999", str(2**63), "9" * 30)
GARBAGE_STRS = ("no-such-thing", "x" * 300)
NUMERIC_KINDS = CLIENT_OWNED_KINDS

# Query-string names the views read (request.GET), each given a value no view expects.
GARBAGE_QUERY = {
    "day": "2026-02-30",
    "week": "2026-W99",
    "month": "2026-13",
    "from": "yesterday",
    "to": "9999-99-99",
    "on": "0000-00-00",
    "q": "\x00' OR 1=1 --",
    "status": "nonsense",
    "practitioner": str(2**63),
    "areas": "nowhere",
    "moving": "9" * 30,
    "by": "-1",
    "starts_at": "2026-02-30T25:61",
    "next": "https://evil.example/",
}
HTMX = {"HX-Request": "true", "HX-Target": "slots", "HX-Current-URL": "http://testserver/"}
# Form names the views read from POST bodies whatever the page's form says.
COMMON_POST_NAMES = (
    "action",
    "next",
    "areas",
    "starts_at",
    "moving",
    "reason",
    "note",
    "question",
    "until",
    "outcome",
    "details",
    "anything_changed",
    "first_day",
    "last_day",
    "practitioner",
    "room",
    "answer",
    "comment",
    "full_name",
    "agreed",
    "consent_version",
    "preferred_channel",
    "phone",
    "marketing",
    "day",
    "date",
    "email",
    "password",
    "login",
)
# Two hostile bodies: text that a database refuses (NUL) or that is far too long, and numbers
# and dates out of every range. Each name gets several values, so getlist() sees them all.
GARBAGE_BODIES = {
    "garbage-text": ["\x00' OR 1=1 --", "<script>alert(1)</script>", "x" * 5000],
    "garbage-numbers": ["-1", "9" * 30, "2026-02-30", str(2**63), "1e309", "NaN"],
}

# A redirect may go only to this site (the test client's host).
OWN_SITE = ("http://testserver/", "https://testserver/")
# A body that asks to be sent elsewhere afterwards.
OFFSITE_NEXT = {"next": "https://evil.example/phish"}

# Strings typed by this module into medical fields (besides the demo's own), distinctive
# enough never to appear by chance.
MEDICATION = "Crawlomycin 250 mg twice daily"
MEDICAL_HISTORY = "crawl-marker: thyroid operation in 2019"
ALLERGY = "crawl-marker: allergic to crawlberries"
QUESTION = "crawl-marker: since when do you take Crawlomycin?"
CLIENT_NOTE = "crawl-marker: since March, every morning"
HEALTH_CHANGE = "crawl-marker: a new eczema patch on my neck"
# Medical answers and clinical decisions the demo itself holds (consultations.demo,
# aftercare.demo): the front desk must not read them either.
DEMO_MEDICAL = (
    "I stopped six weeks ago.",
    "has your dermatologist planned when to stop?",
    "Which bleeding disorder do you have",
    "being checked for skin cancer",
    "again after breastfeeding",
    "Still quite red on my chin",
    # Contraindication flags the screening raised on demo intakes (consultations.screening).
    "Bleeding disorder or blood thinners",
    "Botox in the last 2 weeks",
    "Client has diabetes (slower healing)",
    "Isotretinoin in the last 6 months",
)
MEDICAL_STRINGS = (MEDICATION, MEDICAL_HISTORY, ALLERGY, QUESTION, CLIENT_NOTE, HEALTH_CHANGE, *DEMO_MEDICAL)

# Cases that fail because of a bug in another app, waiting for its fix:
# (url name, role, "GET" or "POST") -> reason.
KNOWN_BUGS: dict[tuple[str, str, str], str] = {}


# --- The urlconf -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str
    route: str  # the path without the leading slash, parameters as <converter:name>
    parameters: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"{self.name or '?'}:/{self.route}"


_PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        text = str(pattern.pattern)
        if text.startswith("^"):
            text = text[1:]
        text = text.removesuffix("$").replace("\\Z", "")
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + text, inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + text, f"{namespace}{pattern.name or ''}"


def site_routes() -> list[Route]:
    """Every URL pattern of the project, admin and allauth's key-based pages aside."""
    routes = []
    for route, name in _walk(get_resolver().url_patterns):
        if route.startswith("admin/"):
            continue
        if route.startswith("accounts/"):
            # allauth's own pages: those without a key or a regex in the address only.
            if route not in ACCOUNTS_ALWAYS and ("<" in route or "(" in route or "\\" in route):
                continue
        if "(" in route:  # a regex pattern outside allauth: would need its own values
            raise AssertionError(f"/{route} is a regex pattern: give the crawl values for it")
        parameters = tuple(match["name"] for match in _PARAMETER.finditer(route))
        routes.append(Route(name=name, route=route, parameters=parameters))
    return sorted(set(routes), key=lambda r: r.route)


ROUTES = site_routes()


def parameter_kind(route: Route, parameter: str) -> str | None:
    return PARAMETER_KINDS.get((route.name, parameter)) or PARAMETER_KINDS.get(("*", parameter))


# --- The demo clinic, with medical answers to look for -------------------------------------------


@dataclass
class Site:
    users: dict[str, User | None]
    own: dict[str, str]  # kind -> value belonging to the signed-in client ("own client")
    other: dict[str, str]  # kind -> value belonging to another client
    forbidden: dict[str, tuple[str, ...]]  # role -> strings that must never be in its pages
    stats: dict[str, int] = field(default_factory=dict)


def _amend_intake(client, practitioner):
    """A new version of the client's consultation with medical free text, asked about by the
    practitioner, amended, and approved again: the state of a real cleared client."""
    from consultations import services as consultations
    from consultations.intake_steps import STEPS_BY_CODE, from_json
    from consultations.models import Intake, IntakeStatus

    def amend(**changes):
        draft = consultations.intake_draft_open(client=client)
        typed = from_json(draft.answers)
        values = {key: typed.get(key) for key in STEPS_BY_CODE["health"].keys}
        values.update(changes)
        consultations.intake_step_save(client=client, step="health", values=values)
        more = {key: typed.get(key) for key in STEPS_BY_CODE["more"].keys}
        more["other_allergies"] = ALLERGY
        consultations.intake_step_save(client=client, step="more", values=more)

    amend(medications=MEDICATION, medical_history=MEDICAL_HISTORY)
    asked = consultations.intake_submit(client=client, full_name=str(client), agreed=True)
    consultations.intake_ask(intake=asked, decided_by=practitioner, question=QUESTION)
    amend(medications=MEDICATION, medical_history=MEDICAL_HISTORY)
    intake = consultations.intake_submit(client=client, full_name=str(client), agreed=True, client_note=CLIENT_NOTE)
    consultations.intake_approve(
        intake=intake,
        decided_by=practitioner,
        areas=intake.requested_areas,
        max_needle_depth_mm=Decimal("1.50"),
        planned_sessions=3,
        valid_until=clinic_today() + relativedelta(months=12),
        acknowledged_flag_ids=list(intake.flags.values_list("pk", flat=True)),
    )
    assert Intake.objects.get(pk=intake.pk).status == IntakeStatus.APPROVED
    return intake


def _client_objects(client, *, upcoming, treatment) -> dict[str, str]:
    from aftercare.models import AftercarePlan, CheckIn, SessionPhoto
    from bookings.models import WaitlistEntry
    from consultations.models import HealthUpdate, Intake
    from payments.models import Receipt

    plan = AftercarePlan.objects.filter(client=client).order_by("pk").first()
    photo = SessionPhoto.objects.filter(client=client).select_related("appointment").order_by("pk").first()
    values = {
        "photo": photo.pk,
        "course": photo.appointment.course_id,
        "client": client.pk,
        "appointment": upcoming.pk,
        "plan": plan.pk,
        "check_in": CheckIn.objects.filter(plan__client=client).order_by("pk").first().pk,
        "waitlist_entry": WaitlistEntry.objects.filter(client=client).order_by("pk").first().pk,
        "receipt": Receipt.objects.filter(client=client).order_by("pk").first().pk,
        "payment": Receipt.objects.filter(client=client, entry__kind="payment").order_by("pk").first().entry_id,
        "intake": Intake.objects.filter(client=client, superseded_at__isnull=True).exclude(status="draft").get().pk,
        "health_update": HealthUpdate.objects.filter(client=client).order_by("pk").first().pk,
        # The practitioner's question: a clinical message, sent, with its words kept.
        "message": OutboundMessage.objects.filter(
            recipient=client, kind=ConsultationKind.INTAKE_DECISION, context__decision="question"
        )
        .order_by("pk")
        .first()
        .pk,
    }
    return {kind: str(value) for kind, value in values.items()}


def _photo(client, practitioner):
    """A before-and-after photo of the client's first completed session, with marketing consent
    (so that it is in the gallery too)."""
    from aftercare.models import AftercarePlan
    from aftercare.photos.services import photo_add
    from aftercare.tests.photo_files import phone_jpeg, upload

    appointment = AftercarePlan.objects.filter(client=client).order_by("pk").first().appointment
    photo_add(
        appointment=appointment,
        area=appointment.areas[0],
        angle="front",
        stage="before",
        upload=upload(phone_jpeg((480, 360))),
        taken_by=practitioner,
        consents=("clinical", "marketing"),
    )


def _import_run(manager) -> int:
    """A finished dry run of a clients file (records' import report page)."""
    from records.models import ImportRun

    row = {"line": 2, "outcome": "refused", "label": "x", "message": "“x” is not an e-mail address."}
    report = {"counts": {"created": 0, "matched": 0, "refused": 1}, "rows": [row], "error": ""}
    run = ImportRun.objects.create(
        kind="clients", file_name="imports/crawl.csv", uploaded_by=manager, status="done", report=report
    )
    return run.pk


def build_site() -> Site:
    from aftercare.models import AftercarePlan
    from bookings.models import Appointment, Practitioner, Treatment
    from bookings.services.calendar_feed import calendar_feed_token_create
    from bookings.services.waitlist import waitlist_join
    from consultations.selectors import clearance_check
    from consultations.services import health_update_submit
    from payments.services import payment_take

    # Under xdist a transactional test (which empties every table) may have run just before in
    # this process, and the per-test fixture that puts the migrations' rows back runs after this
    # module fixture: put them back first. And the set-up cache may still hold an earlier test's
    # (rolled back) clinic profile under a live token.
    reference_data_install()
    setup_changed()
    call_command("seed_demo", stdout=io.StringIO())
    staff = {role: User.objects.get(email=email) for email, _, _, role in STAFF if role != Role.FRONT_DESK}
    desk = User.objects.get(email=next(email for email, _, _, role in STAFF if role == Role.FRONT_DESK))
    practitioner = staff[Role.PRACTITIONER]
    tz = ClinicProfile.get().tz
    now = timezone.now()
    treatment = Treatment.objects.get(slug="microneedling")

    # Two clients with a session in the next days and an aftercare plan from an earlier one.
    chosen = []
    for plan in AftercarePlan.objects.select_related("client").order_by("client__pk", "pk"):
        client = plan.client
        if client in [c for c, _ in chosen]:
            continue
        upcoming = (
            Appointment.objects.filter(
                client=client,
                status=Appointment.Status.BOOKED,
                starts_at__gt=now + timedelta(hours=1),
                starts_at__lt=now + timedelta(days=6),
            )
            .order_by("starts_at")
            .first()
        )
        if upcoming is not None:
            chosen.append((client, upcoming))
        if len(chosen) == 2:
            break
    assert len(chosen) == 2, "the demo has no two clients with an aftercare plan and a session this week"

    for index, (client, upcoming) in enumerate(chosen):
        _amend_intake(client, practitioner)
        _photo(client, practitioner)
        health_update_submit(
            client=client,
            appointment_id=upcoming.pk,
            session_date=upcoming.starts_at.astimezone(tz).date(),
            anything_changed=index == 1,  # the other client reports a change, in words
            details=HEALTH_CHANGE if index == 1 else "",
            submitted_by=client,
        )
        areas = sorted(
            clearance_check(client=client, treatment_slug="microneedling", areas=[], on=clinic_today()).cleared_areas
        )
        waitlist_join(
            client=client,
            treatment=treatment,
            areas=areas[:1] or ["face"],
            first_day=clinic_today() + timedelta(days=10),
            last_day=clinic_today() + timedelta(days=20),
            joined_by=client,
        )
        payment_take(
            client=client,
            location_id=upcoming.room.location_id,
            amount=Decimal("25.00"),
            method="cash",
            key=f"crawl-payment-{client.pk}",
            taken_by=desk,
        )
    # Send what is due, so the communication log holds the words that went out.
    outbox_dispatch_due(seconds=30)

    (own_client, own_upcoming), (other_client, other_upcoming) = chosen
    token = calendar_feed_token_create(practitioner=Practitioner.objects.get(user=practitioner))
    shared = {"treatment": treatment.slug, "intake_step": "health", "feed_token": token}
    shared["import_run"] = str(_import_run(staff[Role.MANAGER]))
    own = {**shared, **_client_objects(own_client, upcoming=own_upcoming, treatment=treatment)}
    other = {**shared, **_client_objects(other_client, upcoming=other_upcoming, treatment=treatment)}

    client_emails = tuple(User.objects.filter(groups__name=Role.CLIENT).values_list("email", flat=True))
    return Site(
        users={
            "anonymous": None,
            "client": own_client,
            "front_desk": desk,
            "practitioner": practitioner,
            "manager": staff[Role.MANAGER],
        },
        own=own,
        other=other,
        forbidden={
            "anonymous": (*MEDICAL_STRINGS, *client_emails),
            # The client's own medical answers are theirs to read; the other client's are not.
            "client": (HEALTH_CHANGE, *DEMO_MEDICAL, other_client.email),
            "front_desk": MEDICAL_STRINGS,
            "practitioner": (),
            "manager": (),
        },
    )


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo clinic, loaded once for this module inside a transaction rolled back at its end;
    its photos are kept in a folder of this run, not under var/."""
    photos = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path_factory.mktemp("crawl-photos")), "base_url": None},
    }
    with override_settings(STORAGES={**settings.STORAGES, "photos": photos}), django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            site = build_site()
            yield site
            # With -s: how many requests the crawl made (the figures in the report).
            print(f"\nsite crawl: {len(ROUTES)} URL patterns x {len(ROLES)} roles, requests {site.stats}")
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# --- Requests ----------------------------------------------------------------------------------


class _FormNames(HTMLParser):
    """The names of the inputs of a page's POST forms."""

    def __init__(self):
        super().__init__()
        self.names: set[str] = set()
        self._in_post_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._in_post_form = (attrs.get("method") or "").lower() == "post"
        elif tag in ("input", "select", "textarea", "button") and self._in_post_form and attrs.get("name"):
            if attrs["name"] != "csrfmiddlewaretoken":
                self.names.add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_post_form = False


@dataclass(frozen=True)
class Case:
    label: str  # what the input is, for failure messages
    path: str
    own_or_other: str  # "own", "other" or "garbage"


def cases(route: Route, site: Site) -> list[Case]:
    """The addresses to try for a route: own objects, another client's, and garbage in each
    parameter in turn."""

    def fill(values: dict[str, str]) -> str:
        path = route.route
        for match in _PARAMETER.finditer(route.route):
            path = path.replace(match.group(0), values[match["name"]], 1)
        return "/" + path

    if not route.parameters:
        return [Case("no parameters", fill({}), "own")]
    kinds = {name: parameter_kind(route, name) for name in route.parameters}
    own = {name: site.own[kind] for name, kind in kinds.items()}
    found = [Case("own objects", fill(own), "own")]
    if any(kind in CLIENT_OWNED_KINDS for kind in kinds.values()):
        other = {name: site.other[kind] if kind in CLIENT_OWNED_KINDS else own[name] for name, kind in kinds.items()}
        found.append(Case("another client's objects", fill(other), "other"))
    for name, kind in kinds.items():
        for garbage in GARBAGE_INTS if kind in NUMERIC_KINDS else GARBAGE_STRS:
            found.append(Case(f"{name}={garbage[:24]}", fill({**own, name: garbage}), "garbage"))
    return found


def _login(role: str, site: Site) -> Client:
    browser = Client()
    user = site.users[role]
    if user is not None:
        log_in(browser, user)
    return browser


def _body_text(response) -> str:
    content_type = response.get("Content-Type", "")
    if not content_type.startswith(("text/", "application/json")):
        return ""  # PDFs: their text is compressed; the access check is on the status
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _send(browser: Client, method: str, path: str, data=None, headers=None):
    """The response, or the exception a view raised (the test client re-raises it)."""
    try:
        if method == "GET":
            return browser.get(path, data=data, headers=headers), None
        return browser.post(path, data=data or {}, headers=headers), None
    except Exception as exc:  # noqa: BLE001 - any exception is a 500 to report
        frames = traceback.extract_tb(exc.__traceback__)
        ours = [f for f in frames if "/work/main/" in f.filename and "/.venv/" not in f.filename] or frames
        where = f"{ours[-1].filename.split('/work/main/')[-1]}:{ours[-1].lineno} in {ours[-1].name}"
        return None, f"{type(exc).__name__}: {str(exc)[:200]} (at {where})"


@dataclass
class Crawl:
    route: Route
    role: str
    site: Site
    browser: Client
    problems: list[str] = field(default_factory=list)
    requests: int = 0

    def check(self, method: str, case: Case, label: str, data=None, headers=None):
        response, error = _send(self.browser, method, case.path, data, headers)
        self.requests += 1
        where = f"{method} {case.path} as {self.role} ({label})"
        if error:
            self.problems.append(f"{where}: 500, {error}")
            return None
        if response.status_code >= 500:
            self.problems.append(f"{where}: {response.status_code}")
            return response
        location = response.get("Location", "")
        if location.startswith(("http://", "https://", "//")) and not location.startswith(OWN_SITE):
            self.problems.append(f"{where}: redirects off the site, to {location[:80]}")
        body = _body_text(response)
        for text in self.site.forbidden[self.role]:
            if text in body:
                self.problems.append(f"{where}: the page shows {text!r}")
        return response

    def report(self) -> None:
        if self.problems:
            pytest.fail("\n".join(self.problems), pytrace=False)


def _form_names(crawl: Crawl, path: str) -> set[str]:
    response, _ = _send(crawl.browser, "GET", path)
    parser = _FormNames()
    if response is not None and response.status_code == 200 and "html" in response.get("Content-Type", ""):
        parser.feed(response.content.decode(errors="replace"))
    return parser.names


def _client_sees_other(crawl: Crawl, statuses: dict[str, int]) -> None:
    """Another client's object is a 404 for a client, or the very refusal a missing id gets."""
    if crawl.role != "client" or "other" not in statuses:
        return
    other, missing = statuses["other"], statuses.get("missing")
    if other != 404 and not (other == missing and other != 200):
        crawl.problems.append(
            f"{crawl.route.id} as client: another client's object answers {other} (an unknown id answers {missing})"
        )


def _params(method: str):
    found = []
    for route in ROUTES:
        for role in ROLES:
            reason = KNOWN_BUGS.get((route.name, role, method))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            found.append(pytest.param(route, role, marks=marks, id=f"{route.id}-{role}"))
    return found


# --- The tests ---------------------------------------------------------------------------------


def test_every_path_parameter_has_values():
    """A new URL whose parameter the crawl cannot fill fails here, naming it: give it values."""
    unknown = [f"/{r.route} ({p})" for r in ROUTES for p in r.parameters if parameter_kind(r, p) is None]
    assert not unknown, f"The crawl does not know what to put in: {unknown}"
    names = {r.name for r in ROUTES}
    assert {"healthz", "account_login", "account_signup", "message_detail"} <= names


@pytest.mark.django_db
def test_the_markers_are_found_where_they_may_be_read(site):
    """The check can fire: the practitioner's pages hold the very strings the front desk's must
    not, and the other client's e-mail is on the practitioner's page about them."""
    practitioner = _login("practitioner", site)
    review = practitioner.get(f"/consultations/review/{site.own['intake']}/")
    assert review.status_code == 200
    assert MEDICATION in review.content.decode()
    health = practitioner.get(f"/consultations/health-updates/{site.other['health_update']}/")
    assert HEALTH_CHANGE in health.content.decode()
    message = practitioner.get(f"/messages/{site.own['message']}/")
    assert QUESTION in message.content.decode()
    desk_client = _login("front_desk", site).get(f"/desk/clients/{site.other['client']}/")
    assert User.objects.get(pk=site.other["client"]).email in desk_client.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "role"), _params("GET"))
def test_get(site, route, role):
    """GET never fails with a 5xx, never shows what the role may not read, and a client gets a
    404 for another client's object."""
    crawl = Crawl(route=route, role=role, site=site, browser=_login(role, site))
    statuses = {}
    for case in cases(route, site):
        response = crawl.check("GET", case, case.label)
        if response is not None:
            statuses.setdefault(case.own_or_other, response.status_code)
            if case.label == "id=999999" or case.label.endswith("=999999"):
                statuses["missing"] = response.status_code
    own = cases(route, site)[0]
    crawl.check("GET", own, "garbage query string", data=GARBAGE_QUERY)
    # htmx asks for fragments: the same address must hold up when it answers with one.
    crawl.check("GET", own, "htmx request, garbage query string", data=GARBAGE_QUERY, headers=HTMX)
    _client_sees_other(crawl, statuses)
    site.stats["GET"] = site.stats.get("GET", 0) + crawl.requests
    crawl.report()


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "role"), _params("POST"))
def test_post(site, route, role):
    """POST with an empty body or a body of garbage never fails with a 5xx, and never opens
    another client's object to a client."""
    crawl = Crawl(route=route, role=role, site=site, browser=_login(role, site))
    all_cases = cases(route, site)
    names = _form_names(crawl, all_cases[0].path) | set(COMMON_POST_NAMES)
    statuses = {}
    for case in all_cases:
        bodies = {"empty body": {}}
        if case.own_or_other != "garbage" or case.label.endswith("=999999"):
            bodies.update({label: dict.fromkeys(names, values) for label, values in GARBAGE_BODIES.items()})
            bodies["offsite next"] = OFFSITE_NEXT
        for label, body in bodies.items():
            response = crawl.check("POST", case, f"{case.label}, {label}", data=body)
            if response is not None and label == "empty body":
                statuses.setdefault(case.own_or_other, response.status_code)
                if case.label.endswith("=999999"):
                    statuses["missing"] = response.status_code
    _client_sees_other(crawl, statuses)
    site.stats["POST"] = site.stats.get("POST", 0) + crawl.requests
    crawl.report()
