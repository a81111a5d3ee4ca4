"""Create the site profile from the [profile] section of site_config.toml if there is none."""

from scenic_ops.core import services


def execute() -> None:
    services.ensure_site_profile()
