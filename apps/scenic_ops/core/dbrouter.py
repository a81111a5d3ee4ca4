"""Read-heavy pages (reports, dashboards, public status) may read from a replica.

Everything goes to the primary unless code asks for `reporting_db()`; the inventory
and gate paths never do. With no replica configured, `reporting_db()` is the primary.
"""

from django.conf import settings


def reporting_db() -> str:
    return "replica" if "replica" in settings.DATABASES else "default"


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return None  # primary, unless a query says .using(reporting_db())

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
