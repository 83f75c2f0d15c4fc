"""etc/init.d/nanod, run for real against a temporary config (no systemd needed)."""

import os
import shutil
import signal
import subprocess
import time

import lib

SCRIPT = os.path.join(lib.REPO, "etc", "init.d", "nanod")


class Init:
    """Runs the init script with DAEMON, CONF and PIDFILE pointing into dir."""

    def __init__(self, d, conf):
        self.pidfile = os.path.join(d, "run", "nanod.pid")
        os.makedirs(os.path.dirname(self.pidfile), exist_ok=True)
        self.env = lib.server_env({"DAEMON": lib.check_binary(), "CONF": conf,
                                   "PIDFILE": self.pidfile, "STOP_TIMEOUT": "10",
                                   "NANOD_DEFAULTS": os.path.join(d, "no-defaults")})

    def __call__(self, *args, timeout_s=None):
        p = subprocess.run(["sh", SCRIPT] + list(args), env=self.env, capture_output=True,
                           text=True, stdin=subprocess.DEVNULL,
                           timeout=timeout_s or lib.timeout(40))
        return lib.Result(["init.d/nanod"] + list(args), p.returncode, p.stdout, p.stderr)

    def pid(self):
        try:
            with open(self.pidfile) as f:
                return int(f.read().strip() or 0) or None
        except (OSError, ValueError):
            return None

    def kill_all(self):
        """Cleanup after a failure: the daemon is not our child, so by pid."""
        pid = self.pid()
        if pid and lib.alive(pid):
            for w in lib.children(pid):
                try:
                    os.kill(w, signal.SIGKILL)
                except OSError:
                    pass
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def serve(port, host="a.localhost"):
    return lib.body_of(port, host, timeout_s=2)


def test_initscript_lifecycle():
    with lib.tempdir() as d:
        port = lib.free_port()
        log = os.path.join(d, "error.log")
        app = lib.App("a", source=lib.const_app("a-v0"), hosts="a.localhost")
        conf = lib.make_config(d, [app], "127.0.0.1:%d" % port, workers=2, error_log=log,
                               server_extra={"watch": "off"})
        init = Init(d, conf)
        try:
            r = init("status")
            assert r.rc == 3 and "not running" in r.stdout, r
            r = init("configtest")
            assert r.rc == 0 and "ok, 1 app" in r.output, r

            r = init("start")
            assert r.rc == 0 and "started" in r.stdout, r
            pid = init.pid()
            assert pid and lib.alive(pid), r
            lib.wait_until(lambda: serve(port) == "a-v0", lib.timeout(10), "serving")
            r = init("start")
            assert r.rc == 0 and "already running (pid %d)" % pid in r.stdout, r
            r = init("status")
            assert r.rc == 0 and "is running (pid %d)" % pid in r.stdout, r

            # reload: checked first, then SIGUSR2 (same supervisor, new version).
            lib.rewrite(os.path.join(d, "apps", "a.js"), lib.const_app("a-v1"))
            r = init("reload")
            assert r.rc == 0, r
            lib.wait_until(lambda: serve(port) == "a-v1", lib.timeout(10), "the new version")
            assert init.pid() == pid
            r = init("force-reload")
            assert r.rc == 0, r

            # A broken config: configtest says so, reload refuses and sends nothing.
            good = open(conf).read()
            lib.rewrite(conf, good + "bogus = 1\n")
            lib.rewrite(os.path.join(d, "apps", "a.js"), lib.const_app("a-v2"))
            r = init("configtest")
            assert r.rc == 1 and "%s:%d:" % (conf, len(good.splitlines()) + 1) in r.output, r
            reloads = len(lib.read_json_lines(log)[0])
            r = init("reload")
            assert r.rc != 0 and "not reloading" in r.output, r
            time.sleep(0.3)
            assert not [o for o in lib.read_json_lines(log)[0][reloads:]
                        if "reloading" in str(o.get("msg"))], "a reload ran"
            assert serve(port) == "a-v1"
            r = init("restart")
            assert r.rc != 0 and init.pid() == pid, ("restart with a bad config", r)
            lib.rewrite(conf, good)

            # restart: a new supervisor serving the current files.
            r = init("restart")
            assert r.rc == 0 and "stopped" in r.stdout and "started" in r.stdout, r
            pid2 = init.pid()
            assert pid2 and pid2 != pid and not lib.alive(pid), (pid, pid2)
            lib.wait_until(lambda: serve(port) == "a-v2", lib.timeout(10), "the restart")

            r = init("stop")
            assert r.rc == 0 and "stopped" in r.stdout, r
            assert not lib.alive(pid2)
            assert not os.path.exists(init.pidfile), "pid file left"
            assert serve(port) is None
            r = init("status")
            assert r.rc == 3, r
            r = init("stop")
            assert r.rc == 0 and "not running" in r.stdout, r
            r = init("reload")
            assert r.rc == 7, r
            objs = lib.read_json_lines(log)[0]
            assert [o for o in objs if o.get("msg") == "graceful stop"], "stop was not SIGQUIT"
        finally:
            init.kill_all()


def test_initscript_refuses_bad_config_at_start():
    with lib.tempdir() as d:
        app = lib.App("a", source=lib.const_app("a"), hosts="a.localhost",
                      extra={"hostnme": "x"})
        conf = lib.make_config(d, [app], "127.0.0.1:%d" % lib.free_port(),
                               error_log=os.path.join(d, "error.log"))
        init = Init(d, conf)
        try:
            r = init("start")
            assert r.rc == 6 and "not starting" in r.output and "hostnme" in r.output, r
            assert init.pid() is None
        finally:
            init.kill_all()


def test_logrotate_config():
    """etc/logrotate.d/nanod, run by the real logrotate (when installed) with its
    paths pointed into a temp dir: the old log is rotated away, nanod reopens."""
    logrotate = shutil.which("logrotate") or (os.path.exists("/usr/sbin/logrotate")
                                              and "/usr/sbin/logrotate")
    if not logrotate:
        raise lib.Skip("logrotate is not installed")
    if os.geteuid() != 0:
        raise lib.Skip("the config's `create 0640 root adm` needs root")
    app = lib.App("a", source=lib.const_app("a"), hosts="a.localhost")
    with lib.Nanod([app], workers=2, args=["-p", "{dir}/nanod.pid"]) as s:
        text = open(os.path.join(lib.REPO, "etc", "logrotate.d", "nanod")).read()
        assert "/var/log/nanod/*.log" in text and "/run/nanod.pid" in text, text
        text = text.replace("/var/log/nanod/*.log", os.path.join(s.dir, "*.log"))
        text = text.replace("/run/nanod.pid", os.path.join(s.dir, "nanod.pid"))
        conf = os.path.join(s.dir, "logrotate.conf")
        with open(conf, "w") as f:
            f.write(text)
        assert lib.body_of(s.port, "a.localhost") == "a"
        p = subprocess.run([logrotate, "-f", "-s", os.path.join(s.dir, "state"), conf],
                           capture_output=True, text=True, timeout=lib.timeout(30))
        assert p.returncode == 0, "logrotate failed:\n%s%s" % (p.stdout, p.stderr)
        rotated = s.log_path + ".1"         # delaycompress: the newest stays plain
        assert os.path.exists(rotated), os.listdir(s.dir)
        s.wait_log(lib.msg_has("log files reopened"), what="SIGUSR1 from postrotate")
        st = os.stat(s.log_path)
        assert oct(st.st_mode & 0o777) == oct(0o640) and st.st_gid == 4, st  # create 0640 root adm
        s.stop(signal.SIGQUIT)
        exits = {o["pid"] for o in s.log() if "exits after" in str(o.get("msg"))}
        assert len(exits) == 2, "not every worker wrote to the new file: %s" % exits
