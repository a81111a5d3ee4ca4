import pytest
from django.db import connection


@pytest.mark.django_db
def test_database_is_mariadb_with_utf8mb4_and_time_zones():
    with connection.cursor() as cursor:
        cursor.execute("SELECT VERSION(), @@character_set_database")
        version, charset = cursor.fetchone()
        cursor.execute("SELECT CONVERT_TZ('2026-01-01 00:00:00', 'UTC', 'Asia/Shanghai')")
        converted = cursor.fetchone()[0]
    assert "MariaDB" in version
    assert charset == "utf8mb4"
    assert str(converted).startswith("2026-01-01 08:00")
