"""A minimal Redis client for the two hot-path scripts (pending places, the remaining-places view).

redis-py spends more CPU per call than the whole Redis round trip costs here; on the booking
and availability paths every call counts. This client speaks RESP over one socket per process
(and thread), runs EVALSHA and loads the script on NOSCRIPT. It raises `redis.ConnectionError`
/ `redis.ResponseError`, so callers handle it exactly like redis-py. Sentinel URLs and anything
unusual fall back to redis-py (`FastScript.fallback`).
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
from urllib.parse import unquote, urlparse

import redis


class _Conn:
    def __init__(self, host: str, port: int, db: int, password: str | None, timeout: float) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.file = self.sock.makefile("rb")
        self.pid = os.getpid()
        if password:
            self.call(b"AUTH", password.encode())
        if db:
            self.call(b"SELECT", str(db).encode())

    def close(self) -> None:
        try:
            self.file.close()
            self.sock.close()
        except OSError:
            pass

    def call(self, *args: bytes):
        out = [b"*%d\r\n" % len(args)]
        for arg in args:
            out.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
        self.sock.sendall(b"".join(out))
        return self._reply()

    def _reply(self):
        line = self.file.readline()
        if not line:
            raise redis.ConnectionError("connection closed by server")
        kind, rest = line[:1], line[1:-2]
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            if size < 0:
                return None
            data = self.file.read(size + 2)
            return data[:-2]
        if kind == b"+":
            return rest
        if kind == b"-":
            raise redis.ResponseError(rest.decode(errors="replace"))
        if kind == b"*":
            return [self._reply() for _ in range(int(rest))]
        raise redis.ConnectionError(f"unexpected reply {line[:20]!r}")


class FastScript:
    """`script(keys=[…], args=[…])` like redis-py's registered scripts, on a lean connection."""

    def __init__(self, url: str, source: str, fallback) -> None:
        self.source = source.encode()
        self.sha = hashlib.sha1(self.source).hexdigest().encode()
        self.fallback = fallback
        parsed = urlparse(url)
        db = (parsed.path or "/0").strip("/") or "0"
        self.usable = parsed.scheme == "redis" and parsed.hostname is not None and db.isdigit()
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or 6379
        self.db = int(db) if db.isdigit() else 0
        self.password = unquote(parsed.password) if parsed.password else None
        self.local = threading.local()

    def _conn(self) -> _Conn:
        conn = getattr(self.local, "conn", None)
        if conn is None or conn.pid != os.getpid():
            try:
                conn = _Conn(self.host, self.port, self.db, self.password, timeout=2.0)
            except OSError as exc:
                raise redis.ConnectionError(str(exc)) from exc
            self.local.conn = conn
        return conn

    def __call__(self, *, keys: list, args: list | None = None):
        args = args or []
        if not self.usable:
            return self.fallback(keys=keys, args=args)
        parts = [b"EVALSHA", self.sha, str(len(keys)).encode()]
        parts += [k if isinstance(k, bytes) else str(k).encode() for k in keys]
        parts += [a if isinstance(a, bytes) else str(a).encode() for a in args]
        for attempt in range(2):
            try:
                return self._conn().call(*parts)
            except redis.ResponseError as exc:
                if "NOSCRIPT" not in str(exc) or attempt:
                    raise
                self._conn().call(b"SCRIPT", b"LOAD", self.source)
            except (OSError, redis.ConnectionError) as exc:
                conn = getattr(self.local, "conn", None)
                if conn is not None:
                    conn.close()
                self.local.conn = None
                if attempt:
                    raise redis.ConnectionError(str(exc)) from exc
        raise redis.ConnectionError("unreachable")
