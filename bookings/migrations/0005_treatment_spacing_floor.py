"""The floor of a micro-needling-type treatment's minimum days between sessions, held by the
database: ``needles_skin`` (every existing treatment is one: this app sells micro-needling) and a
check constraint, minimum >= 28 for them. The TREATMENT_SPACING_MIN_FLOOR_DAYS setting can only
raise the floor the services enforce (``bookings.catalogue``).

A treatment already below 28 days (a manager lowered it before there was a floor) is raised to
28 before the constraint is added (its maximum too, if it was lower), with an audit entry naming
the old values. Its booked sessions are left as they are: the next change to the treatment
shows the manager the ones that do not fit.
"""

from django.db import migrations, models
from django.utils import timezone

FLOOR = 28


def raise_to_floor(apps, schema_editor):
    Treatment = apps.get_model("bookings", "Treatment")
    AuditEntry = apps.get_model("clinic", "AuditEntry")
    for treatment in Treatment.objects.filter(spacing_min_days__lt=FLOOR).order_by("pk"):
        before = {"spacing_min_days": treatment.spacing_min_days, "spacing_max_days": treatment.spacing_max_days}
        treatment.spacing_min_days = FLOOR
        treatment.spacing_max_days = max(treatment.spacing_max_days, FLOOR)
        treatment.save(update_fields=["spacing_min_days", "spacing_max_days"])
        AuditEntry.objects.create(
            at=timezone.now(),
            action="treatment.spacing_raised_to_floor",
            target_type="bookings.treatment",
            target_id=str(treatment.pk),
            target_repr=treatment.name[:200],
            details={"before": before, "after": {"spacing_min_days": FLOOR, "spacing_max_days": treatment.spacing_max_days}},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0004_spacing_held_by_the_database"),
        ("clinic", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="treatment",
            name="needles_skin",
            field=models.BooleanField(
                default=True,
                help_text="It needles the skin: the minimum days between sessions cannot go below the clinic's "
                "floor. Set when the treatment is created.",
                verbose_name="micro-needling-type",
            ),
        ),
        migrations.RunPython(raise_to_floor, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="treatment",
            constraint=models.CheckConstraint(
                condition=models.Q(("needles_skin", False), ("spacing_min_days__gte", 28), _connector="OR"),
                name="treatment_spacing_min_at_floor",
                violation_error_message="A micro-needling-type treatment needs at least 28 days between sessions.",
            ),
        ),
    ]
