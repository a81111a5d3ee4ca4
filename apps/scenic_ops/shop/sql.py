"""The shop's raw SQL (hot paths only), naming only shop tables."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from scenic_ops.core.sqlvalues import utc_naive

# One statement finds or makes the member and locks the row (the insert or the duplicate-key
# update both take its exclusive lock); LAST_INSERT_ID(id) hands back the id either way.
LOCK_MEMBER = (
    "INSERT INTO shop_member (phone_enc, phone_index, phone_masked, points, spent, created_at) "
    "VALUES (%s, %s, %s, 0, 0, %s) ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)"
)
MEMBER_ROW = "SELECT id, level_id, points FROM shop_member WHERE id = LAST_INSERT_ID()"


def lock_member(index: str, masked: str, encrypted: bytes | None, now: dt.datetime) -> tuple[int, int | None, int]:
    """(id, level_id, points) of the member with this phone index, made if new; locked until commit."""
    with connection.cursor() as cursor:
        cursor.execute(LOCK_MEMBER, [encrypted, index, masked, utc_naive(now)])
        cursor.execute(MEMBER_ROW)
        member_id, level_id, points = cursor.fetchone()
    return member_id, level_id, points
