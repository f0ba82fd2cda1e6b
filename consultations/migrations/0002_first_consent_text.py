from django.db import migrations

BODY = """Micro-needling (collagen induction therapy) uses fine needles to make tiny, controlled punctures in the skin. The skin's healing response builds new collagen.

What to expect: redness and tightness like a mild sunburn for one to three days, sometimes light swelling, pinpoint bleeding during treatment and dryness or flaking for a few days. Results show over three to six months and usually need a course of sessions four to six weeks apart.

Possible risks: infection, bruising, changes in skin colour (darker or lighter patches), flare-ups of cold sores or acne, allergic reactions to numbing cream or products, and, rarely, scarring.

I confirm that the answers I gave in my consultation form are true and complete, and that I will tell the clinic before each session if anything about my health, medication or skin has changed. I understand that the practitioner may decline or postpone treatment for my safety.

I will follow the aftercare advice: no make-up for 24 hours, sun protection (SPF 30 or more) every day, no retinoids or acids for several days, and no sauna, swimming or hard exercise for 48 hours.

I have had the chance to ask questions, and I consent to micro-needling treatment at this clinic. I can withdraw my consent at any time."""


def create_first_version(apps, schema_editor):
    ConsentText = apps.get_model("consultations", "ConsentText")
    if not ConsentText.objects.exists():
        ConsentText.objects.create(version=1, title="Informed consent for micro-needling", body=BODY)


class Migration(migrations.Migration):
    dependencies = [("consultations", "0001_initial")]

    operations = [migrations.RunPython(create_first_version, migrations.RunPython.noop)]
