"""Redis behind Sentinel: cache and RQ follow the master that Sentinel names (real redis-server processes)."""

import os
import shutil
import socket
import subprocess
import sys
import time

import pytest
import redis
from django.conf import settings
from django.db import connection

from scenic_ops.core import redis_sentinel

pytestmark = pytest.mark.slow


def test_sentinel_url_parsing():
    conf = redis_sentinel.parse("redis+sentinel://:s3cret@10.0.0.1:26379,10.0.0.2/scenic-master/3")
    assert conf.sentinels == [("10.0.0.1", 26379), ("10.0.0.2", 26379)]
    assert (conf.master, conf.db, conf.password) == ("scenic-master", 3, "s3cret")
    with pytest.raises(ValueError, match="name the master"):
        redis_sentinel.parse("redis+sentinel://10.0.0.1:26379")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(predicate, seconds=15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except redis.RedisError:
            pass
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
def test_cache_and_queues_work_through_sentinel(tmp_path):
    master_port, sentinel_port = _free_port(), _free_port()
    conf = tmp_path / "sentinel.conf"
    conf.write_text(
        f"port {sentinel_port}\nbind 127.0.0.1\nsentinel monitor scenic 127.0.0.1 {master_port} 1\n"
        "sentinel down-after-milliseconds scenic 2000\n"
    )
    procs = [
        subprocess.Popen(
            ["redis-server", "--port", str(master_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        ),
        subprocess.Popen(["redis-server", str(conf), "--sentinel"], stdout=subprocess.DEVNULL),
    ]
    try:
        master = redis.Redis(port=master_port)
        assert _wait(master.ping)
        sentinel = redis.Redis(port=sentinel_port)
        assert _wait(lambda: sentinel.execute_command("SENTINEL", "get-master-addr-by-name", "scenic"))
        env = {
            **os.environ,
            "SCENIC_TESTING": "1",
            "SCENIC_DATABASE_NAME": connection.settings_dict["NAME"],
            "SCENIC_REDIS_TEST_URL": f"redis+sentinel://127.0.0.1:{sentinel_port}/scenic/2",
        }
        probe = (
            "from django.core.cache import cache; import django_rq, time; "
            "cache.set('sentinel-probe', 'ok', 60); print(cache.get('sentinel-probe')); "
            "job = django_rq.get_queue('default').enqueue(time.sleep, 0); print(job.id)"
        )
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", probe],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        value, job_id = result.stdout.split()[-2:]
        assert value == "ok"
        on_master = redis.Redis(port=master_port, db=2)
        assert any(b"sentinel-probe" in key for key in on_master.keys("*"))
        assert on_master.exists(f"rq:job:{job_id}")
        worker = subprocess.run(
            [sys.executable, "manage.py", "rqworker", "default", "--burst"],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert worker.returncode == 0, worker.stderr
        assert on_master.hget(f"rq:job:{job_id}", "status") == b"finished"
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=10)
