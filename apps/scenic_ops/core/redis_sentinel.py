"""Redis through Sentinel: `redis+sentinel://host1:26379,host2:26379/<master name>/<db>`.

Used for the cache (as Django's `pool_class`) and for RQ (django-rq's SENTINELS settings),
so a Redis failover needs no configuration change in scenic-ops.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlparse

SCHEME = "redis+sentinel"


@dataclass(frozen=True)
class SentinelUrl:
    sentinels: list[tuple[str, int]]
    master: str
    db: int
    password: str | None


def is_sentinel(url: str) -> bool:
    return url.startswith(f"{SCHEME}://")


def parse(url: str) -> SentinelUrl:
    parsed = urlparse(url)
    if parsed.scheme != SCHEME:
        raise ValueError(f"not a {SCHEME}:// URL: {url}")
    hosts = parsed.netloc.rsplit("@", 1)[-1]
    sentinels = []
    for item in hosts.split(","):
        host, _, port = item.partition(":")
        sentinels.append((host, int(port or 26379)))
    parts = [p for p in parsed.path.split("/") if p]
    if not parts:
        raise ValueError(f"{url}: name the master, e.g. {SCHEME}://host:26379/mymaster/0")
    db = int(parts[1]) if len(parts) > 1 else 0
    password = unquote(parsed.password) if parsed.password else None
    return SentinelUrl(sentinels, parts[0], db, password)


def rq_queue_config(url: str) -> dict:
    conf = parse(url)
    return {
        "SENTINELS": conf.sentinels,
        "MASTER_NAME": conf.master,
        "DB": conf.db,
        "PASSWORD": conf.password,
        "SOCKET_TIMEOUT": 5,
    }


class SentinelPool:
    """A `pool_class` for Django's RedisCache: the current master's connection pool."""

    @classmethod
    def from_url(cls, url: str, **options):
        from redis.sentinel import Sentinel

        conf = parse(url)
        sentinel = Sentinel(conf.sentinels, socket_timeout=5)
        return sentinel.master_for(conf.master, db=conf.db, password=conf.password, **options).connection_pool
