"""The shop's raw SQL (hot paths only), naming only shop tables."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from scenic_ops.core.sqlvalues import utc_naive

# One statement finds or makes the member, locks the row (the insert or the duplicate-key update
# both take its exclusive lock) and returns it: RETURNING gives the new row, or the existing one.
LOCK_MEMBER = (
    "INSERT INTO shop_member (phone_enc, phone_index, phone_masked, points, spent, created_at) "
    "VALUES (%s, %s, %s, 0, 0, %s) ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id) "
    "RETURNING id, level_id, points"
)


def lock_member(index: str, masked: str, encrypted: bytes | None, now: dt.datetime) -> tuple[int, int | None, int]:
    """(id, level_id, points) of the member with this phone index, made if new; locked until commit."""
    with connection.cursor() as cursor:
        cursor.execute(LOCK_MEMBER, [encrypted, index, masked, utc_naive(now)])
        member_id, level_id, points = cursor.fetchone()
    return member_id, level_id, points
