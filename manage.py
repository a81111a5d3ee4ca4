#!/usr/bin/env python
"""scenic-ops command line. SCENIC_SITE chooses the site (default: sites/default)."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "apps"))


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scenic_ops.settings")
    from django.core.management import execute_from_command_line

    from scenic_ops.conf import SiteConfigError

    try:
        execute_from_command_line(sys.argv)
    except SiteConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a database that is missing or down: say so plainly
        from django.db import OperationalError

        if isinstance(exc, OperationalError):
            from django.conf import settings

            db = settings.DATABASES["default"]
            print(
                f"error: cannot use database {db['NAME']!r} at {db['HOST']}:{db['PORT']} as {db['USER']!r}: "
                f"{exc.args[-1] if exc.args else exc}. Create it with `make run` (or scripts/setup.sh), "
                "or fix [database] in the site's site_config.toml.",
                file=sys.stderr,
            )
            return 2
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
