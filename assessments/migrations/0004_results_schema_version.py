"""Stored runs' results and snapshots written before versioning become schema version 2.

Version 1 had the same shape without ``schema_version``: the key is added in the database, in
place (runs are immutable to the application, not to their own schema's migration)."""

from django.db import migrations

STORED = ("results", "snapshot")


def add_schema_version(apps, schema_editor):
    table = schema_editor.quote_name("assessments_assessmentrun")
    with schema_editor.connection.cursor() as cursor:
        for column in STORED:
            name = schema_editor.quote_name(column)
            if schema_editor.connection.vendor == "postgresql":
                cursor.execute(
                    f"UPDATE {table} SET {name} = {name} || '{{\"schema_version\": 2}}'::jsonb "  # noqa: S608
                    f"WHERE {name} IS NOT NULL AND {name} != '{{}}'::jsonb "
                    f"AND NOT ({name} ? 'schema_version')"
                )
            else:
                cursor.execute(
                    f"UPDATE {table} SET {name} = json_set({name}, '$.schema_version', 2) "  # noqa: S608
                    f"WHERE {name} IS NOT NULL AND {name} != '{{}}' "
                    f"AND json_extract({name}, '$.schema_version') IS NULL"
                )


class Migration(migrations.Migration):
    dependencies = [("assessments", "0003_run_sections")]

    operations = [migrations.RunPython(add_schema_version, migrations.RunPython.noop)]
