"""Two sites on one machine run side by side with separate databases."""

import os
import shutil
import subprocess
import sys

import pytest
from django.conf import settings

ROOT = settings.BASE_DIR


def _manage(site_dir, site, *args):
    env = {**os.environ, "SCENIC_SITES_DIR": str(site_dir), "SCENIC_SITE": site}
    env.pop("SCENIC_TESTING", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_two_sites_have_separate_databases(tmp_path):
    db_user = settings.DATABASES["default"]["USER"]
    for site, db in (("lake", "scenic_default_test_site_lake"), ("hill", "scenic_default_test_site_hill")):
        folder = tmp_path / site
        folder.mkdir()
        config = (ROOT / "sites/default/site_config.toml").read_text(encoding="utf-8")
        config = config.replace('name = "scenic_default"', f'name = "{db}"').replace(
            'name = "云岫山风景名胜区"', f'name = "{site} 景区"'
        )
        (folder / "site_config.toml").write_text(config, encoding="utf-8")
        shutil.copy(ROOT / "sites/default/secrets.local.toml", folder / "secrets.local.toml")
        create = (
            f"import pymysql; c = pymysql.connect(host='127.0.0.1', user='{db_user}', "
            f"password='{settings.DATABASES['default']['PASSWORD']}'); cur = c.cursor(); "
            f"cur.execute('DROP DATABASE IF EXISTS {db}'); "
            f"cur.execute('CREATE DATABASE {db} CHARACTER SET utf8mb4')"
        )
        subprocess.run([sys.executable, "-c", create], check=True)
    try:
        from concurrent.futures import ThreadPoolExecutor

        def set_up(site):
            migrated = _manage(tmp_path, site, "migrate", "--noinput", "-v", "0")
            return migrated if migrated.returncode else _manage(tmp_path, site, "run_patches")

        with ThreadPoolExecutor(2) as pool:  # the two sites are set up side by side
            for result in pool.map(set_up, ("lake", "hill")):
                assert result.returncode == 0, result.stderr
        show = (
            "from scenic_ops.core.models import SiteProfile; from django.db import connection; "
            "print(connection.settings_dict['NAME'], SiteProfile.objects.get().name)"
        )
        lake = _manage(tmp_path, "lake", "shell", "-c", show)
        hill = _manage(tmp_path, "hill", "shell", "-c", show)
        assert lake.stdout.strip().endswith("scenic_default_test_site_lake lake 景区"), lake.stderr
        assert hill.stdout.strip().endswith("scenic_default_test_site_hill hill 景区"), hill.stderr
    finally:
        drop = (
            f"import pymysql; c = pymysql.connect(host='127.0.0.1', user='{db_user}', "
            f"password='{settings.DATABASES['default']['PASSWORD']}'); cur = c.cursor(); "
            "cur.execute('DROP DATABASE IF EXISTS scenic_default_test_site_lake'); "
            "cur.execute('DROP DATABASE IF EXISTS scenic_default_test_site_hill')"
        )
        subprocess.run([sys.executable, "-c", drop], check=True)
