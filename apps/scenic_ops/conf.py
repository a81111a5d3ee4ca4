"""Site configuration: `sites/<site>/site_config.toml`, chosen by SCENIC_SITE.

Every key can be overridden by an environment variable `SCENIC_<SECTION>_<KEY>`.
Secrets are never written in the config: the config names the environment
variable that holds them (`*_env` keys). On a development site (no variable set),
secrets come from `sites/<site>/secrets.local.toml`, which `make run` generates
and git ignores.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


class SiteConfigError(Exception):
    """A site's configuration is missing or wrong; the message says what to fix."""


def sites_dir() -> Path:
    return Path(os.environ.get("SCENIC_SITES_DIR", ROOT / "sites"))


def available_sites() -> list[str]:
    folder = sites_dir()
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / "site_config.toml").is_file())


def _coerce(raw: str, like: Any) -> Any:
    if isinstance(like, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(like, int):
        return int(raw)
    if isinstance(like, float):
        return float(raw)
    if isinstance(like, list):
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw


@dataclass
class SiteConfig:
    name: str
    folder: Path
    data: dict[str, dict[str, Any]] = field(default_factory=dict)
    local_secrets: dict[str, str] = field(default_factory=dict)

    def get(self, section: str, key: str, default: Any = None) -> Any:
        env_name = f"SCENIC_{section}_{key}".upper()
        value = self.data.get(section, {}).get(key, default)
        if env_name in os.environ:
            return _coerce(os.environ[env_name], value if value is not None else "")
        return value

    def secret(self, section: str, key: str, *, required: bool = True) -> str | None:
        """Resolve a secret named by `<key>_env` (or `<key>_env` default SCENIC_<KEY>)."""
        env_name = self.get(section, f"{key}_env") or f"SCENIC_{key}".upper()
        if os.environ.get(env_name):
            return os.environ[env_name]
        if env_name in self.local_secrets:
            return self.local_secrets[env_name]
        if required:
            raise SiteConfigError(
                f"site '{self.name}': secret {section}.{key} is not set. Set the environment "
                f"variable {env_name}, or run `make run` once to create "
                f"{self.folder / 'secrets.local.toml'} for development."
            )
        return None


def load_site(name: str | None = None) -> SiteConfig:
    name = name or os.environ.get("SCENIC_SITE", "default")
    if not name or "/" in name or name.startswith("."):
        raise SiteConfigError(f"invalid site name {name!r}")
    folder = sites_dir() / name
    path = folder / "site_config.toml"
    if not path.is_file():
        known = ", ".join(available_sites()) or "none"
        raise SiteConfigError(
            f"unknown site {name!r}: {path} does not exist. Available sites: {known}. "
            "Set SCENIC_SITE to one of them, or copy sites/default to a new folder."
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SiteConfigError(f"site {name!r}: {path} is not valid TOML: {exc}") from exc
    secrets_path = folder / "secrets.local.toml"
    local: dict[str, str] = {}
    if secrets_path.is_file():
        local = {k: str(v) for k, v in tomllib.loads(secrets_path.read_text(encoding="utf-8")).items()}
    return SiteConfig(name=name, folder=folder, data=data, local_secrets=local)
