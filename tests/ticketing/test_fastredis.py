import pytest
import redis

from scenic_ops.ticketing import remaining
from scenic_ops.ticketing.fastredis import FastScript


@pytest.fixture
def script(settings):
    client = redis.Redis.from_url(settings.REDIS_URL)
    source = "return {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1])}"
    return client, FastScript(settings.REDIS_URL, source, client.register_script(source))


def test_runs_and_reloads_after_script_flush(script):
    client, run = script
    assert run(keys=["tk:test:n"], args=["a"]) == [b"tk:test:n", b"a", 1]
    client.script_flush()
    assert run(keys=["tk:test:n"], args=["b"])[2] == 2


def test_reconnects_after_the_server_drops_the_connection(script):
    client, run = script
    run(keys=["tk:test:m"], args=["x"])
    conn = run.local.conn
    conn.sock.close()  # as if the server had closed it
    assert run(keys=["tk:test:m"], args=["y"])[2] == 2


def test_errors_surface_as_redis_errors(settings):
    run = FastScript("redis://127.0.0.1:1/0", "return 1", None)
    with pytest.raises(redis.ConnectionError):
        run(keys=["k"], args=[])
    bad = FastScript(settings.REDIS_URL, "return redis.call('NOPE')", None)
    with pytest.raises(redis.ResponseError):
        bad(keys=["k"])


def test_sentinel_urls_fall_back_to_redis_py():
    calls = []
    run = FastScript("redis+sentinel://h:26379/master/0", "return 1", lambda **kw: calls.append(kw) or 1)
    assert run(keys=["k"], args=["a"]) == 1 and calls == [{"keys": ["k"], "args": ["a"]}]
    assert remaining.redis_client() is not None
