"""Every clinic starts with a sensible micro-needling aftercare protocol (editable in the admin)."""

from django.db import migrations


def install(apps, schema_editor):
    from aftercare.default_protocol import default_protocol_install

    default_protocol_install(get_model=lambda name: apps.get_model("aftercare", name))


class Migration(migrations.Migration):
    dependencies = [
        ("aftercare", "0001_protocols"),
    ]

    operations = [
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
