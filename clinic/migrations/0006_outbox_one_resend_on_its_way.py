from django.db import migrations, models


def cancel_extra_copies(apps, schema_editor):
    """Copies queued by repeated clicks before the constraint: keep one copy on its way per
    message (one already being sent, else the oldest) and cancel the other pending ones."""
    OutboundMessage = apps.get_model("clinic", "OutboundMessage")
    on_its_way = OutboundMessage.objects.filter(resend_of__isnull=False, status__in=["pending", "sending"])
    kept = set()
    for copy in on_its_way.order_by("resend_of_id", "-status", "pk"):  # "sending" sorts before "pending"
        if copy.resend_of_id in kept:
            if copy.status == "pending":
                copy.status = "cancelled"
                copy.note = "Another copy was already on its way."
                copy.save(update_fields=["status", "note"])
        else:
            kept.add(copy.resend_of_id)


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0005_outbox_status_known"),
    ]

    operations = [
        migrations.RunPython(cancel_extra_copies, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="outboundmessage",
            constraint=models.UniqueConstraint(
                condition=models.Q(("resend_of__isnull", False), ("status__in", ["pending", "sending"])),
                fields=("resend_of",),
                name="outbox_one_resend_on_its_way",
            ),
        ),
    ]
