from django.db import migrations


class Migration(migrations.Migration):
    """The scan log is append-only: the database itself refuses to change a row."""

    dependencies = [("access", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql=(
                "CREATE TRIGGER access_scan_append_only BEFORE UPDATE ON access_scan FOR EACH ROW "
                "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'access_scan is append-only: post a correction'"
            ),
            reverse_sql="DROP TRIGGER IF EXISTS access_scan_append_only",
        ),
    ]
