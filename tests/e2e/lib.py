"""
Helpers for the nanod end-to-end tests (Python 3 stdlib only).

A test builds a temp dir with apps.ini and app scripts, starts the real
binary, talks HTTP to it on a free 127.0.0.1 port and stops it:

    def test_hello():
        apps = [lib.App("hello", source=lib.const_app("hi"), hosts="hello.localhost")]
        with lib.Nanod(apps, workers=1) as s:
            r = s.get("/", host="hello.localhost")
            assert r.status == 200 and r.text == "hi", r

Every wait has a timeout; a server left running by a failing test is killed
(supervisor and the workers seen), one that the test leaves running after
success is stopped with SIGTERM and must exit 0.

The binary is $NANOD, else build/release/nanod under the repo root.
Timeouts scale with $ND_E2E_TIMEOUT_SCALE (float, default 1).
"""

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
APPS_DIR = os.path.join(REPO, "tests", "apps")

SCALE = float(os.environ.get("ND_E2E_TIMEOUT_SCALE", "1") or "1")
READY_TIMEOUT = 20.0 * SCALE       # ASan builds start slowly
STOP_TIMEOUT = 15.0 * SCALE
REQUEST_TIMEOUT = 10.0 * SCALE
CLI_TIMEOUT = 20.0 * SCALE         # nanod -t / -V / -h


class Skip(Exception):
    """Raised by a test that cannot run here (counted as skipped, never passed)."""


class NanodMissing(Exception):
    pass


def timeout(seconds):
    """A timeout in seconds, scaled by ND_E2E_TIMEOUT_SCALE."""
    return seconds * SCALE


# --------------------------------------------------------------------------
# Per-test context (set by run.py in the thread that runs the test)

_ctx = threading.local()
_procs_lock = threading.Lock()
_procs = {}        # test name -> list of Nanod / Popen started for it


def set_test_context(name, sanitizer_prefix):
    """name: the test's name; sanitizer_prefix: e.g. /tmp/x/ so that ASan writes
    /tmp/x/asan.<name>.<pid>. None: leave ASAN_OPTIONS/UBSAN_OPTIONS as they are."""
    _ctx.name = name
    _ctx.san_prefix = sanitizer_prefix
    _ctx.notes = []


def current_test():
    return getattr(_ctx, "name", None)


def note(text):
    """Extra diagnostics printed by run.py if the current test fails."""
    notes = getattr(_ctx, "notes", None)
    if notes is not None:
        notes.append(text)


def take_notes():
    notes = getattr(_ctx, "notes", None) or []
    _ctx.notes = []
    return notes


def safe_name(name):
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name or "adhoc")


def _track(obj):
    with _procs_lock:
        _procs.setdefault(current_test(), []).append(obj)


def kill_leftovers(test_name=None, everything=False):
    """Kills what a test started and left running (run.py, after a timeout)."""
    with _procs_lock:
        if everything:
            items = [o for lst in _procs.values() for o in lst]
            _procs.clear()
        else:
            items = _procs.pop(test_name, [])
    for o in items:
        try:
            if isinstance(o, Nanod):
                o.kill()
                if o.dir and not os.environ.get("ND_E2E_KEEP"):
                    shutil.rmtree(o.dir, ignore_errors=True)
            elif o.poll() is None:
                o.kill()
                o.wait(timeout=5)
        except Exception:
            pass


def server_env(extra=None):
    """Environment for a nanod process: sanitizer log paths per test."""
    env = dict(os.environ)
    prefix = getattr(_ctx, "san_prefix", None)
    if prefix is not None:
        tag = safe_name(current_test())
        env["ASAN_OPTIONS"] = "log_path=%sasan.%s:detect_leaks=1:abort_on_error=0" % (prefix, tag)
        env["UBSAN_OPTIONS"] = "print_stacktrace=1:log_path=%subsan.%s" % (prefix, tag)
    if extra:
        env.update(extra)
    return env


# --------------------------------------------------------------------------
# Binary, ports, files

def nanod_path():
    p = os.environ.get("NANOD") or os.path.join(REPO, "build", "release", "nanod")
    return os.path.abspath(p)


def check_binary():
    """Raises NanodMissing with a clear message when the binary is not there."""
    p = nanod_path()
    if not os.path.isfile(p) or not os.access(p, os.X_OK):
        how = "$NANOD" if os.environ.get("NANOD") else "default build/release/nanod"
        raise NanodMissing("nanod binary not found or not executable: %s (%s); "
                           "build it with `make` (or `make asan`), or set NANOD=path" % (p, how))
    return p


_ports_lock = threading.Lock()
_ports_used = set()


def free_port():
    """A free TCP port on 127.0.0.1, never handed out twice in one run."""
    with _ports_lock:
        for _ in range(200):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            finally:
                s.close()
            if port not in _ports_used:
                _ports_used.add(port)
                return port
    raise RuntimeError("no free port")


def read_app(name):
    """Source of tests/apps/<name>."""
    with open(os.path.join(APPS_DIR, name), encoding="utf-8") as f:
        return f.read()


def const_app(text, status=200):
    """ES5 CommonJS app answering `text` to everything."""
    return ("module.exports = { fetch: function (request, env, ctx) {\n"
            "    return new Response(%s, { status: %d });\n} };\n" % (json.dumps(text), status))


def write_files(root, files):
    """files: {relative path: str or bytes}."""
    for rel, content in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        mode = "wb" if isinstance(content, bytes) else "w"
        with open(path, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as f:
            f.write(content)


def line_of(text, needle, nth=1):
    """1-based line number of the nth line of text containing needle."""
    seen = 0
    for i, line in enumerate(text.split("\n"), 1):
        if needle in line:
            seen += 1
            if seen == nth:
                return i
    raise AssertionError("%r not found in:\n%s" % (needle, text))


class App:
    """One [app:NAME] section. source: JS text (written to apps/NAME.js), or
    file: a name in tests/apps/. hosts: str ("a, b") or list."""

    def __init__(self, name, source=None, file=None, hosts=(), default=False, env=None,
                 extra=None, script=None):
        if source is None and file is None:
            raise ValueError("App needs source or file")
        self.name = name
        self.source = source if source is not None else read_app(file)
        self.hosts = hosts if isinstance(hosts, str) else ", ".join(hosts)
        self.default = default
        self.env = env or {}
        self.extra = extra or {}
        self.script = script or "apps/%s.js" % name

    def ini(self):
        lines = ["[app:%s]" % self.name, "script = %s" % self.script]
        if self.hosts:
            lines.append("hosts = %s" % self.hosts)
        if self.default:
            lines.append("default = yes")
        for k, v in self.env.items():
            lines.append("env.%s = %s" % (k, v))
        for k, v in self.extra.items():
            lines.append("%s = %s" % (k, v))
        return "\n".join(lines) + "\n"


def make_config(root, apps, listen, workers=1, error_log=None, server_extra=None):
    """Writes root/apps.ini and the scripts; returns the apps.ini path."""
    server = {"listen": listen, "workers": workers,
              "error_log": error_log or os.path.join(root, "error.log"),
              "graceful_timeout": "5s",
              # The last good versions of this test's apps, never the machine's /var/lib/nanod.
              "state_dir": os.path.join(root, "state")}
    server.update(server_extra or {})
    lines = ["[server]"] + ["%s = %s" % kv for kv in server.items()]
    text = "\n".join(lines) + "\n"
    files = {}
    for a in apps:
        text += "\n" + a.ini()
        files[a.script] = a.source
    write_files(root, files)
    path = os.path.join(root, "apps.ini")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


@contextlib.contextmanager
def tempdir(prefix="nd-e2e-"):
    d = tempfile.mkdtemp(prefix=prefix + safe_name(current_test()) + "-")
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


# --------------------------------------------------------------------------
# Running the CLI

class Result:
    def __init__(self, args, rc, stdout, stderr):
        self.args, self.rc, self.stdout, self.stderr = args, rc, stdout, stderr

    @property
    def output(self):
        return self.stdout + self.stderr

    def __repr__(self):
        return "<nanod %s: rc=%r\n--- stdout:\n%s--- stderr:\n%s>" % (
            " ".join(self.args), self.rc, self.stdout, self.stderr)


def run_cli(args, cwd=None, timeout_s=None, wrap=()):
    """Runs nanod with args to completion; returns a Result (text output). wrap: a
    command that execs nanod (e.g. ["prlimit", "--nofile=64", "--"])."""
    argv = list(wrap) + [check_binary()] + list(args)
    p = subprocess.Popen(argv, cwd=cwd, env=server_env(), stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _track(p)
    try:
        out, err = p.communicate(timeout=timeout_s or CLI_TIMEOUT)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        raise AssertionError("nanod %s did not exit within %ss\nstdout: %s\nstderr: %s" % (
            " ".join(args), timeout_s or CLI_TIMEOUT, out.decode(errors="replace"),
            err.decode(errors="replace")))
    return Result(list(args), p.returncode, out.decode("utf-8", "replace"),
                  err.decode("utf-8", "replace"))


def compat_node_modules():
    """tests/compat/node_modules as its lock file says, for tests that use its
    packages (jose, drizzle-orm): tests/compat/run.py's npm_ci, locked against
    the compat suite and other tests installing at once; nothing when up to
    date. Its path."""
    compat = os.path.join(REPO, "tests", "compat")
    if compat not in sys.path:
        sys.path.insert(0, compat)
    import run as compat_run
    err = compat_run.npm_ci()
    assert err is None, err
    return os.path.join(compat, "node_modules")


def check_config(path, cwd=None, timeout_s=None):
    """nanod -t -c path."""
    return run_cli(["-t", "-c", path], cwd=cwd, timeout_s=timeout_s)


# --------------------------------------------------------------------------
# /proc

def thread_cpu_ms(pid):
    """CPU time of the process's main thread so far, in ms (schedstat: ns, not
    ticks). A worker runs JavaScript on its main thread, so the difference
    around one request is what that request cost, however loaded the box."""
    with open("/proc/%d/schedstat" % pid) as f:
        return int(f.read().split()[0]) / 1e6


def _runq_wait_ms(path):
    """Time the thread of a schedstat file spent runnable but waiting for a
    CPU, in ms (0 when it is gone)."""
    try:
        with open(path) as f:
            return int(f.read().split()[1]) / 1e6
    except (OSError, IndexError, ValueError):
        return 0.0


class Stopwatch:
    """Wall time of a wait on server process pid, less the time pid's main
    thread or the calling thread (whichever waited longer: their waits
    overlap, e.g. the client waits for a CPU while the worker, having
    answered, waits for one too) spent runnable but waiting for a CPU
    (/proc schedstat): about what the server itself took (running, or idle
    when it should not have been), however busy the box. A server busy or
    blocked in the meantime shows in full."""

    def __init__(self, pid):
        self.worker = "/proc/%d/schedstat" % pid
        self.me = "/proc/self/task/%d/schedstat" % threading.get_native_id()
        self.t0 = time.monotonic()
        self.w0, self.m0 = _runq_wait_ms(self.worker), _runq_wait_ms(self.me)

    def waited_ms(self):
        """What the scheduler added so far: the longer of the two runnable waits."""
        return max(_runq_wait_ms(self.worker) - self.w0, _runq_wait_ms(self.me) - self.m0)

    def ms(self):
        wall = (time.monotonic() - self.t0) * 1000
        return max(0.0, wall - self.waited_ms())


def _stat(pid):
    """(state, ppid, starttime) or None."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            data = f.read().decode("ascii", "replace")
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    rest = data[data.rfind(")") + 2:].split()
    return rest[0], int(rest[1]), int(rest[19])


def children(ppid):
    """Live (non-zombie) child pids of ppid."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        st = _stat(int(d))
        if st and st[1] == ppid and st[0] != "Z":
            out.append(int(d))
    return sorted(out)


def listen_clash(pid, ports):
    """Ports among `ports` on which some listening socket is held by neither pid
    nor its children."""
    ours = set()
    for p in [pid] + children(pid):
        try:
            fds = os.listdir("/proc/%d/fd" % p)
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink("/proc/%d/fd/%s" % (p, fd))
            except OSError:
                continue
            if link.startswith("socket:["):
                ours.add(link[8:-1])
    if not ours:
        return []
    clash = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if len(cols) < 10 or cols[3] != "0A":       # LISTEN
                continue
            port = int(cols[1].rsplit(":", 1)[1], 16)
            if port in ports and cols[9] not in ours:
                clash.add(port)
    return sorted(clash)


def alive(pid):
    st = _stat(pid)
    return st is not None and st[0] != "Z"


def wait_until(pred, timeout_s, what, interval=0.05):
    """Polls pred() until truthy (returned) or raises AssertionError after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %.1fs waiting for %s" % (timeout_s, what))
        time.sleep(interval)


# --------------------------------------------------------------------------
# HTTP clients

class Resp:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.header_list = headers            # [(name, value)] as received
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def __repr__(self):
        b = self.body[:300]
        return "<HTTP %s %s %r body=%r%s>" % (self.status, self.reason, self.header_list, b,
                                               "..." if len(self.body) > 300 else "")


_RETRYABLE = (ConnectionRefusedError, ConnectionResetError, BrokenPipeError,
              http.client.RemoteDisconnected, http.client.BadStatusLine)


def request(port, method="GET", path="/", host=None, body=None, headers=None,
            timeout_s=None, retry=0):
    """One request on a new connection (closed after). host=None: http.client's default
    Host (127.0.0.1:port). retry: how many times to retry a failed connection."""
    attempt = 0
    while True:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout_s or REQUEST_TIMEOUT)
        try:
            return conn_request(conn, method, path, host, body, headers)
        except _RETRYABLE:
            if attempt >= retry:
                raise
            attempt += 1
            time.sleep(0.05)
        finally:
            conn.close()


def conn_request(conn, method="GET", path="/", host=None, body=None, headers=None):
    """One request on an existing http.client connection (keep-alive)."""
    h = dict(headers or {})
    if host is not None:
        h["Host"] = host
    if isinstance(body, str):
        body = body.encode("utf-8")
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    data = r.read()
    return Resp(r.status, r.reason, r.getheaders(), data)


def raw(port, data, timeout_s=None, until_close=True):
    """Sends raw bytes on a new connection, returns every byte read until the server
    closes (or the timeout, or, if until_close is False, one complete response)."""
    deadline = time.monotonic() + (timeout_s or REQUEST_TIMEOUT)
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout_s or REQUEST_TIMEOUT)
    buf = b""
    try:
        s.sendall(data)
        while time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                break
            if not chunk:
                break
            buf += chunk
            if not until_close and parse_responses(buf, complete_only=True):
                break
    finally:
        s.close()
    return buf


def parse_responses(buf, complete_only=False):
    """Splits raw bytes into [Resp] (Content-Length or chunked or none)."""
    out = []
    while buf:
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            break
        head = buf[:end].decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/1\.[01] (\d{3}) ?(.*)", head[0])
        if not m:
            raise AssertionError("bad status line %r in %r" % (head[0], buf[:500]))
        hdrs = []
        for line in head[1:]:
            k, _, v = line.partition(":")
            hdrs.append((k.strip(), v.strip()))
        hmap = {k.lower(): v for k, v in hdrs}
        rest = buf[end + 4:]
        if "content-length" in hmap:
            n = int(hmap["content-length"])
            if len(rest) < n:
                if complete_only:
                    break
            body, buf = rest[:n], rest[n:]
        elif hmap.get("transfer-encoding", "").lower() == "chunked":
            body, pos, done = b"", 0, False
            while True:
                e = rest.find(b"\r\n", pos)
                if e < 0:
                    break
                size = int(rest[pos:e].split(b";")[0], 16)
                if size == 0:
                    t = rest.find(b"\r\n\r\n", e)
                    if t >= 0:
                        pos, done = t + 4, True
                    break
                body += rest[e + 2:e + 2 + size]
                pos = e + 2 + size + 2
            if not done and complete_only:
                break
            buf = rest[pos:]
        else:
            if complete_only and int(m.group(1)) not in (204, 304):
                break
            body, buf = rest, b""
        out.append(Resp(int(m.group(1)), m.group(2), hdrs, body))
    return out


# --------------------------------------------------------------------------
# Logs

def read_json_lines(path):
    """(objects, bad_lines) of a JSON-lines file; missing file -> ([], [])."""
    try:
        with open(path, "rb") as f:
            data = f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return [], []
    objs, bad = [], []
    for line in data.split("\n"):
        if not line.strip():
            continue
        try:
            o = json.loads(line)
        except ValueError:
            bad.append(line)
            continue
        if isinstance(o, dict):
            objs.append(o)
        else:
            bad.append(line)
    return objs, bad


def tail(path, n=40):
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
    except FileNotFoundError:
        return "(no file %s)" % path
    return "\n".join(lines[-n:])


# --------------------------------------------------------------------------
# The server

class Nanod:
    """A running nanod in a temp dir. Use as a context manager.

    apps: [App]; workers: int or "auto"; listens: number of listen addresses
    (each on its own free port; .port is the first, .ports all); args: extra
    command-line arguments, "{dir}" in them is replaced by the temp dir.
    """

    def __init__(self, apps, workers=1, listens=1, server_extra=None, args=(),
                 start=True, ready_timeout=None, wrap=(), asan_options=""):
        self.apps = apps
        self.workers = workers
        self.nlisten = listens
        self.server_extra = server_extra or {}
        self.extra_args = list(args)
        self.wrap = list(wrap)              # a command that execs nanod (same pid)
        self.asan_options = asan_options    # appended to ASAN_OPTIONS
        self.ready_timeout = ready_timeout or READY_TIMEOUT
        self.proc = None
        self.dir = None
        self.seen = {}              # pid -> starttime of every worker seen (for cleanup)
        self._start_on_enter = start
        self._stderr = None

    # -- lifecycle
    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="nd-e2e-%s-" % safe_name(current_test()))
        _track(self)
        try:
            if self._start_on_enter:
                self.start()
        except BaseException:
            self._cleanup(failed=True)
            raise
        return self

    def __exit__(self, etype, evalue, tb):
        self._cleanup(failed=etype is not None)
        return False

    @property
    def log_path(self):
        return os.path.join(self.dir, "error.log")

    @property
    def config_path(self):
        return os.path.join(self.dir, "apps.ini")

    def write_config(self):
        self.ports = [free_port() for _ in range(self.nlisten)]
        self.port = self.ports[0]
        listen = ", ".join("127.0.0.1:%d" % p for p in self.ports)
        return make_config(self.dir, self.apps, listen, self.workers, self.log_path,
                           self.server_extra)

    def start(self, attempts=3):
        """Writes the config, starts nanod, waits for "msg":"ready". Retries with new
        ports when the failure looks like a port race."""
        for attempt in range(attempts):
            self.write_config()
            try:
                os.unlink(self.log_path)
            except FileNotFoundError:
                pass
            self._stderr = open(os.path.join(self.dir, "stderr.txt"), "wb")
            argv = self.wrap + [check_binary(), "-c", self.config_path] + [
                a.replace("{dir}", self.dir) for a in self.extra_args]
            env = server_env()
            if self.asan_options:
                env["ASAN_OPTIONS"] = ":".join(
                    x for x in (env.get("ASAN_OPTIONS"), self.asan_options) if x)
            self.proc = subprocess.Popen(argv, cwd=self.dir, env=env,
                                         stdin=subprocess.DEVNULL, stdout=self._stderr,
                                         stderr=subprocess.STDOUT, start_new_session=True)
            try:
                self.wait_ready()
                clash = listen_clash(self.proc.pid, self.ports)
                if clash and attempt + 1 < attempts:
                    # Another process (a parallel test run?) listens on our port with
                    # SO_REUSEPORT too: requests would be shared. Start over elsewhere.
                    note("port clash on %s, retrying with new ports" % clash)
                    self.kill()
                    continue
                assert not clash, "another process also listens on port(s) %s" % clash
                return self
            except AssertionError:
                text = tail(self.log_path, 200) + self.stderr_text()
                self.kill()
                if attempt + 1 < attempts and re.search(r"in use|EADDRINUSE", text, re.I):
                    continue
                raise

    def wait_ready(self):
        deadline = time.monotonic() + self.ready_timeout
        while True:
            objs, _ = read_json_lines(self.log_path)
            if any(o.get("msg") == "ready" for o in objs):
                self._remember_workers()
                return
            rc = self.proc.poll()
            if rc is not None:
                raise AssertionError("nanod exited with %s before ready\n%s" % (
                    rc, self.diagnostics()))
            if time.monotonic() >= deadline:
                raise AssertionError("nanod not ready within %.0fs (no JSON line with "
                                     "\"msg\":\"ready\" in %s)\n%s" % (
                                         self.ready_timeout, self.log_path, self.diagnostics()))
            time.sleep(0.05)

    def stderr_text(self):
        try:
            with open(os.path.join(self.dir, "stderr.txt"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except (FileNotFoundError, TypeError):
            return ""

    def diagnostics(self):
        return "--- %s (tail):\n%s\n--- stdout+stderr (tail):\n%s\n--- apps.ini:\n%s" % (
            self.log_path, tail(self.log_path), "\n".join(self.stderr_text().splitlines()[-40:]),
            _read(self.config_path))

    @property
    def pid(self):
        return self.proc.pid

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout_s=None):
        """Waits for the supervisor to exit; returns its exit code (AssertionError on timeout)."""
        try:
            return self.proc.wait(timeout=timeout_s or STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise AssertionError("nanod (pid %d) did not exit within %ss\n%s" % (
                self.proc.pid, timeout_s or STOP_TIMEOUT, self.diagnostics()))

    def stop(self, sig=signal.SIGTERM, expect_rc=0, timeout_s=None):
        """Signals the supervisor, waits for it, asserts its exit code and that no worker
        is left. Returns the exit code."""
        self._remember_workers()
        self.proc.send_signal(sig)
        rc = self.wait_exit(timeout_s)
        self._close_stderr()
        if expect_rc is not None:
            assert rc == expect_rc, "nanod exited with %r after %s, want %r\n%s" % (
                rc, signal.Signals(sig).name, expect_rc, self.diagnostics())
        left = wait_until_or_none(lambda: not self._live_seen(), timeout(5))
        assert left is not None, "workers still alive after the supervisor exited: %s" % (
            self._live_seen(),)
        return rc

    def kill(self):
        """Best effort: SIGKILL the supervisor and every worker seen. Never raises."""
        try:
            if self.proc is not None and self.proc.poll() is None:
                self._remember_workers()
                try:
                    # Started in its own session: its pid is the process group (still ours:
                    # the supervisor is not reaped yet). Workers that stayed in it go too.
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except OSError:
                    self.proc.kill()
                self.proc.wait(timeout=10)
        except Exception:
            pass
        for pid in self._live_seen():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self._close_stderr()

    def _close_stderr(self):
        if self._stderr is not None:
            try:
                self._stderr.close()
            except Exception:
                pass

    def _cleanup(self, failed):
        try:
            if failed:
                if self.dir:
                    note("server %s:\n%s" % (self.dir, self.diagnostics()))
                self.kill()
            elif self.running():
                self.stop()
        finally:
            self.kill()
            with _procs_lock:
                lst = _procs.get(current_test(), [])
                if self in lst:
                    lst.remove(self)
            if self.dir and not os.environ.get("ND_E2E_KEEP"):
                shutil.rmtree(self.dir, ignore_errors=True)

    # -- workers
    def _remember_workers(self):
        if self.proc is None:
            return
        for pid in children(self.proc.pid):
            st = _stat(pid)
            if st:
                self.seen[pid] = st[2]

    def _live_seen(self):
        out = []
        for pid, start in self.seen.items():
            st = _stat(pid)
            if st and st[0] != "Z" and st[2] == start:
                out.append(pid)
        return out

    def worker_pids(self):
        """Current live worker pids (children of the supervisor)."""
        self._remember_workers()
        return children(self.proc.pid)

    def wait_workers(self, n, timeout_s=None, exclude=()):
        """Waits until exactly n workers are alive (none of them in exclude); returns pids."""
        def ok():
            pids = self.worker_pids()
            return pids if len(pids) == n and not set(pids) & set(exclude) else None
        try:
            return wait_until(ok, timeout_s or timeout(10), "%d workers" % n)
        except AssertionError as e:
            raise AssertionError("%s (now: %s, excluded: %s)\n%s" % (
                e, self.worker_pids(), list(exclude), self.diagnostics()))

    # -- logs
    def log(self):
        return read_json_lines(self.log_path)[0]

    def wait_log(self, pred, timeout_s=None, what="a log line"):
        """Waits for a JSON log line with pred(obj) true; returns it."""
        def find():
            for o in self.log():
                try:
                    if pred(o):
                        return o
                except Exception:
                    pass
            return None
        try:
            return wait_until(find, timeout_s or timeout(5), what)
        except AssertionError as e:
            raise AssertionError("%s\n--- log tail:\n%s" % (e, tail(self.log_path)))

    # -- HTTP
    def request(self, method="GET", path="/", host=None, body=None, headers=None, **kw):
        kw.setdefault("timeout_s", REQUEST_TIMEOUT)
        port = kw.pop("port", self.port)
        return request(port, method, path, host, body, headers, **kw)

    def get(self, path="/", host=None, **kw):
        return self.request("GET", path, host, **kw)

    def post(self, path="/", host=None, body=b"", **kw):
        return self.request("POST", path, host, body, **kw)

    def raw(self, data, **kw):
        return raw(self.port, data, **kw)

    def connection(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)


def wait_until_or_none(pred, timeout_s, interval=0.05):
    try:
        return wait_until(pred, timeout_s, "", interval)
    except AssertionError:
        return None


def _read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except (FileNotFoundError, TypeError):
        return "(none)"


# --------------------------------------------------------------------------
# Reload, signals and load (added for the reload tests; nothing above changed)

def rewrite(path, text, atomic=True):
    """Replaces a file's content: by rename (an editor's save) when atomic, else in place."""
    if atomic:
        tmp = "%s.tmp%d" % (path, os.getpid())
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.rename(tmp, path)
    else:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def log_lines(s, pred):
    """Every JSON log line of server s with pred(obj) true."""
    out = []
    for o in s.log():
        try:
            if pred(o):
                out.append(o)
        except Exception:
            pass
    return out


def msg_has(text):
    """A log predicate: the line's msg contains text."""
    return lambda o: text in str(o.get("msg", ""))


def wait_log_count(s, pred, n, timeout_s=None, what="log lines"):
    """Waits until at least n log lines satisfy pred; returns them."""
    def enough():
        got = log_lines(s, pred)
        return got if len(got) >= n else None
    try:
        return wait_until(enough, timeout_s or timeout(10), "%d %s" % (n, what))
    except AssertionError as e:
        raise AssertionError("%s (have %d)\n--- log tail:\n%s" % (
            e, len(log_lines(s, pred)), tail(s.log_path, 60)))


def reload_and_wait(s, sig=signal.SIGUSR2, timeout_s=None):
    """Sends sig and waits for the end of a reload that began after it was
    sent (so that read every file as it is now); returns its "reload done"
    line. Not just the next "reload done": with watch = on a test's edit
    starts a reload of its own, and one still running when sig is sent (its
    "reloading" line before sig, sig queued behind it) ends first, having
    read the files before the edit, or before the test's next edit."""
    start = len(s.log())
    s.send_signal(sig)

    def done():
        began = False
        for o in s.log()[start:]:
            msg = str(o.get("msg", ""))
            if o.get("role") != "supervisor":
                continue
            if msg.startswith("reloading "):
                began = True
            elif began and msg.startswith("reload done"):
                return o
        return None
    try:
        return wait_until(done, timeout_s or timeout(10), "a reload begun after the signal")
    except AssertionError as e:
        raise AssertionError("%s\n--- log tail:\n%s" % (e, tail(s.log_path, 60)))


def body_of(port, host, path="/", timeout_s=None):
    """Body text of one GET on a fresh connection, or None on any error."""
    try:
        r = request(port, "GET", path, host, timeout_s=timeout_s or timeout(5))
    except (OSError, http.client.HTTPException):
        return None
    return r.text if r.status == 200 else None


class Load:
    """Client threads sending GETs in a loop until stop(); every request and every
    error is recorded. keepalive: one http.client connection per thread, reused
    (a reply with Connection: close makes it reconnect); else one connection per
    request. hosts are used round-robin per thread, starting at the thread index."""

    def __init__(self, port, hosts, threads=4, keepalive=True, path="/", ports=None):
        self.ports = list(ports or [port])
        self.hosts = list(hosts)
        self.nthreads = threads
        self.keepalive = keepalive
        self.path = path
        self.lock = threading.Lock()
        self.ok = 0
        self.bad = []           # (time, host, status, body): non-200 answers
        self.errors = []        # (time, host, repr(exception), reused connection)
        self.seen = {}          # host -> {body: (first time, last time, count)}
        self.closes = 0         # answers with Connection: close
        self._stop = threading.Event()
        self._threads = []

    def start(self):
        for i in range(self.nthreads):
            t = threading.Thread(target=self._run, args=(i,), daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def _record(self, host, status, body, close):
        now = time.monotonic()
        with self.lock:
            if status != 200:
                self.bad.append((now, host, status, body[:200]))
                return
            self.ok += 1
            self.closes += close
            per = self.seen.setdefault(host, {})
            first, _, n = per.get(body, (now, now, 0))
            per[body] = (first, now, n + 1)

    def _run(self, i):
        conn = None
        k = i
        port = self.ports[i % len(self.ports)]
        while not self._stop.is_set():
            host = self.hosts[k % len(self.hosts)]
            k += 1
            reused = False
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port,
                                                      timeout=REQUEST_TIMEOUT)
                reused = conn.sock is not None
                h = {"Host": host}
                if not self.keepalive:
                    h["Connection"] = "close"
                conn.request("GET", self.path, headers=h)
                r = conn.getresponse()
                body = r.read().decode("utf-8", "replace")
                close = (r.getheader("connection") or "").lower() == "close"
                self._record(host, r.status, body, close)
                if not self.keepalive:
                    conn.close()
                    conn = None
            except Exception as e:
                with self.lock:
                    self.errors.append((time.monotonic(), host, repr(e), reused))
                try:
                    conn.close()
                except Exception:
                    pass
                conn = None
                time.sleep(0.01)
        if conn is not None:
            conn.close()

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join(timeout(15))
        return self

    def total(self):
        with self.lock:
            return self.ok + len(self.bad) + len(self.errors)

    def versions(self, host):
        with self.lock:
            return dict(self.seen.get(host, {}))

    def summary(self):
        with self.lock:
            return "%d ok, %d non-200, %d errors, %d Connection: close; first errors %r; " \
                "first non-200 %r" % (self.ok, len(self.bad), len(self.errors), self.closes,
                                       self.errors[:5], self.bad[:5])


class Neighbour:
    """Sends a steady stream of requests to one app (by default "good.test")
    on keep-alive connections and records every status and latency: the
    neighbour of a misbehaving app on the same worker. With pid (the one
    worker's), delays gets each request's Stopwatch ms too: its latency
    less the time the worker and this client waited for a CPU."""

    def __init__(self, server, host="good.test", pid=None):
        self.s, self.host, self.pid = server, host, pid
        self.stop = threading.Event()
        self.results = []
        self.delays = []
        self.t = threading.Thread(target=self.run, daemon=True)

    def run(self):
        conn = self.s.connection()
        while not self.stop.is_set():
            t0 = time.monotonic()
            sw = Stopwatch(self.pid) if self.pid else None
            try:
                r = conn_request(conn, "GET", "/", host=self.host)
                if sw:
                    self.delays.append(sw.ms())
                self.results.append((r.status, time.monotonic() - t0))
            except Exception as e:      # a failure is a result too
                self.results.append((repr(e), time.monotonic() - t0))
                conn.close()
                conn = self.s.connection()
            time.sleep(0.005)
        conn.close()

    def __enter__(self):
        self.t.start()
        return self

    def __exit__(self, *a):
        self.stop.set()
        self.t.join(10)
