"""One model of consent: the old "essential messages only" switch (``User.marketing_opt_out``)
folds into the per-channel marketing opt-ins (``MarketingConsent``).

Service messages always go; marketing only with a current opt-in for the channel. No one loses an
opt-out: a person who had the switch on has every marketing opt-in in force withdrawn (recorded as
withdrawn through the earlier setting, at the time of this migration), and their optional messages
still waiting in the outbox are cancelled as the dispatcher would have cancelled them. Going back
turns the switch on again for everyone whose opt-in was withdrawn that way.
"""

from django.db import migrations, models
from django.utils import timezone

PREVIOUS_SETTING = "previous_setting"


def fold_the_switch_into_consents(apps, schema_editor):
    User = apps.get_model("clinic", "User")
    MarketingConsent = apps.get_model("clinic", "MarketingConsent")
    OutboundMessage = apps.get_model("clinic", "OutboundMessage")
    opted_out = User.objects.filter(marketing_opt_out=True).values("pk")
    now = timezone.now()
    MarketingConsent.objects.filter(person_id__in=opted_out, withdrawn_at__isnull=True).update(
        withdrawn_at=now, withdrawn_via=PREVIOUS_SETTING
    )
    OutboundMessage.objects.filter(recipient_id__in=opted_out, status="pending", essential=False).update(
        status="cancelled", note="Opted out of messages that are not essential.", updated_at=now
    )


def switch_back_on(apps, schema_editor):
    User = apps.get_model("clinic", "User")
    MarketingConsent = apps.get_model("clinic", "MarketingConsent")
    withdrawn = MarketingConsent.objects.filter(withdrawn_via=PREVIOUS_SETTING).values("person_id")
    User.objects.filter(pk__in=withdrawn).update(marketing_opt_out=True)


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0011_locations"),
    ]

    operations = [
        migrations.RunPython(fold_the_switch_into_consents, switch_back_on),
        migrations.RemoveField(
            model_name="user",
            name="marketing_opt_out",
        ),
        migrations.AlterField(
            model_name="marketingconsent",
            name="given_via",
            field=models.CharField(
                choices=[
                    ("portal", "The client's own messages page"),
                    ("staff", "Recorded by staff"),
                    ("unsubscribe_link", "The unsubscribe link in a message"),
                    ("import", "Imported from the previous system"),
                    ("previous_setting", "The earlier “essential messages only” setting"),
                ],
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="marketingconsent",
            name="withdrawn_via",
            field=models.CharField(
                blank=True,
                choices=[
                    ("portal", "The client's own messages page"),
                    ("staff", "Recorded by staff"),
                    ("unsubscribe_link", "The unsubscribe link in a message"),
                    ("import", "Imported from the previous system"),
                    ("previous_setting", "The earlier “essential messages only” setting"),
                ],
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="outboundmessage",
            name="essential",
            field=models.BooleanField(
                default=True, help_text="Must reach the person: goes by e-mail when texts keep failing."
            ),
        ),
    ]
