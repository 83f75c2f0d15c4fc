"""[app:x] cron = ...: the scheduled handler, in exactly one worker.

Time is sped up for these tests: the worker reads ND_TEST_CRON_MINUTE_MS (a
test-only hook, see worker/scheduler.c) and lets a cron "minute" last that many
real milliseconds, so `* * * * *` fires about every 400 ms here. Parsing and
matching of expressions are unit-tested in tests/unit/test_cron.c.
"""

import time

import lib
from test_fetch import Upstream

MINUTE_MS = 400

_server_env = lib.server_env


def _cron_env(extra=None):
    env = _server_env(extra)
    if (lib.current_test() or "").startswith("test_cron."):
        env["ND_TEST_CRON_MINUTE_MS"] = str(MINUTE_MS)
    return env


lib.server_env = _cron_env      # only the cron tests' servers get the fast clock


def cron_app(up, name="c", cron="* * * * *", **env):
    e = {"UP": up.url(""), "NAME": name}
    e.update(env)
    return lib.App(name, file="cron_app.js", hosts="%s.localhost" % name, env=e,
                   extra={"fetch_allow": "127.0.0.1", "cron": cron, "cpu_limit": "1s"})


def test_cron_fires_in_exactly_one_worker():
    with Upstream() as up, lib.Nanod([cron_app(up, cron="* * * * *, */2 * * * *")],
                                     workers=2) as s:
        lib.wait_until(lambda: len([h for h in up.hits if h[1]["cron"] == "* * * * *"]) >= 4,
                       lib.timeout(15), "4 runs of * * * * *")
        every = [h[1] for h in up.hits if h[1]["cron"] == "* * * * *"]
        times = [int(h["t"]) for h in every]
        assert len(times) == len(set(times)), "a minute ran twice: %s" % times
        assert all(t % 60000 == 0 for t in times), times
        assert all(h["type"] == "scheduled" for h in every), every
        steps = sorted(set(b - a for a, b in zip(times, times[1:])))
        assert steps == [60000], times
        even = [int(h[1]["t"]) for h in up.hits if h[1]["cron"] == "*/2 * * * *"]
        assert even and all(t % 120000 == 0 for t in even), even
        assert s.get("/", host="c.localhost").text == "cron app"


def test_cron_listener_format_and_errors_logged():
    with Upstream() as up:
        apps = [lib.App("l", file="cron_listener.js", hosts="l.localhost",
                        extra={"fetch_allow": "127.0.0.1", "cron": "@hourly, * * * * *",
                               "cpu_limit": "1s"}),
                cron_app(up, name="bad", FAIL="yes")]
        apps[0].source = "var UP_URL = %r;\n" % up.url("") + apps[0].source
        with lib.Nanod(apps) as s:
            lib.wait_until(lambda: any(h[1].get("app") == "listener" for h in up.hits),
                           lib.timeout(15), "the listener's run")
            s.wait_log(lambda o: "scheduled boom" in o.get("msg", "") and o.get("app") == "bad",
                       timeout_s=lib.timeout(10))
            assert s.get("/", host="l.localhost").text == "listener app"


def test_cron_config_errors():
    with lib.Nanod([], start=False) as s:
        s.apps = [lib.App("x", source=lib.const_app("x"), hosts="x.localhost",
                          extra={"cron": "*/5 * * *"})]
        path = s.write_config()
        import subprocess
        p = subprocess.run([lib.check_binary(), "-t", "-c", path], capture_output=True,
                           text=True, timeout=lib.CLI_TIMEOUT)
        assert p.returncode == 1, p
        assert "bad cron" in p.stderr and "want 5" in p.stderr, p.stderr
