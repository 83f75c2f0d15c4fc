#!/usr/bin/env python3
"""
Self-test of the e2e harness (run.py + lib.py); needs no nanod.

    python3 tests/e2e/selftest.py

Runs run.py on synthetic tests in a temp dir, with a stand-in "nanod"
(a Python script that logs "ready", forks a child and, in one mode, ignores
SIGTERM), and checks the counting, the last line, Skip, failure reports,
sanitizer-file detection, the per-test watchdog, cleanup of processes left
by a failing test, and the message for a missing binary.
"""

import os
import re
import subprocess
import sys
import tempfile
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))

FAKE_NANOD = r'''#!/usr/bin/env python3
import json, os, re, signal, sys, time
if "-V" in sys.argv:
    print("fake 0.0"); sys.exit(0)
conf = open(sys.argv[sys.argv.index("-c") + 1]).read()
log = re.search(r"error_log = (\S+)", conf).group(1)
stubborn = "stubborn" in conf
if stubborn:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
kids = []
for _ in range(2):
    pid = os.fork()
    if pid == 0:
        if stubborn:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        else:
            signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
        while True:
            time.sleep(1)
    kids.append(pid)
def term(*a):
    for k in kids:
        os.kill(k, signal.SIGTERM)
    for k in kids:
        os.waitpid(k, 0)
    sys.exit(0)
if not stubborn:
    signal.signal(signal.SIGTERM, term)
with open(log, "a") as f:
    f.write(json.dumps({"level": "info", "msg": "ready"}) + "\n")
while True:
    time.sleep(1)
'''

TESTS = r'''
import os, time
import lib

def test_pass():
    assert 1 + 1 == 2

def test_fail():
    assert 1 + 1 == 3, "arithmetic is broken"

def test_error():
    raise RuntimeError("unexpected boom")

def test_skip():
    raise lib.Skip("no testdata here")

def test_sanitizer_report():
    prefix = lib._ctx.san_prefix
    with open("%sasan.%s.4242" % (prefix, lib.safe_name(lib.current_test())), "w") as f:
        f.write("==4242==ERROR: AddressSanitizer: heap-use-after-free\n")

def test_hang():
    time.sleep(60)

def test_server_ok():
    with lib.Nanod([lib.App("a", source="x", hosts="a.localhost")], workers=2) as s:
        pids = s.wait_workers(2)
        open(os.environ["SELFTEST_PIDS"] + ".ok", "w").write(" ".join(map(str, [s.pid] + pids)))

def test_server_fails_inside():
    with lib.Nanod([lib.App("a", source="x", hosts="a.localhost")], workers=2) as s:
        pids = s.wait_workers(2)
        open(os.environ["SELFTEST_PIDS"] + ".fail", "w").write(" ".join(map(str, [s.pid] + pids)))
        assert False, "failing with a server running"

def test_server_ignores_sigterm():
    with lib.Nanod([lib.App("a", source="x", hosts="a.localhost")], workers=2,
                   server_extra={"stubborn": "yes"}) as s:
        pids = s.wait_workers(2)
        open(os.environ["SELFTEST_PIDS"] + ".stubborn", "w").write(
            " ".join(map(str, [s.pid] + pids)))
'''

failures = []
passes = []


def check(cond, what, out=""):
    print("%s %s" % ("ok" if cond else "FAIL", what))
    (passes if cond else failures).append(what)
    if not cond:
        if out:
            print(textwrap.indent(out, "    "))


def run(args, env):
    p = subprocess.run([sys.executable, os.path.join(HERE, "run.py")] + args, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def main():
    with tempfile.TemporaryDirectory(prefix="nd-selftest-") as d:
        tdir = os.path.join(d, "tests")
        os.makedirs(tdir)
        with open(os.path.join(tdir, "test_synthetic.py"), "w") as f:
            f.write(TESTS)
        fake = os.path.join(d, "nanod")
        with open(fake, "w") as f:
            f.write(FAKE_NANOD)
        os.chmod(fake, 0o755)
        env = dict(os.environ, NANOD=fake, ND_E2E_TEST_TIMEOUT="5", ND_E2E_TIMEOUT_SCALE="0.1",
                   SELFTEST_PIDS=os.path.join(d, "pids"))
        env["ND_SANITIZER_DIR"] = os.path.join(d, "san")    # removed with d

        rc, out = run(["--dir", tdir], env)
        last = out.rstrip("\n").split("\n")[-1]
        check(last == "2 passed, 6 failed, 1 skipped", "summary is the last line: %r" % last, out)
        check(rc == 1, "exit 1 when something failed (got %d)" % rc)
        for name, status in (("test_pass", "ok"), ("test_fail", "FAIL"), ("test_error", "FAIL"),
                             ("test_sanitizer_report", "FAIL"), ("test_hang", "FAIL"),
                             ("test_server_ok", "ok"), ("test_server_fails_inside", "FAIL"),
                             ("test_server_ignores_sigterm", "FAIL")):
            check(re.search(r"^%s test_synthetic\.%s\b" % (status, name), out, re.M) is not None,
                  "%s reported as %s" % (name, status), out)
        check(re.search(r"^skip test_synthetic\.test_skip: no testdata here", out, re.M)
              is not None, "Skip reported with its reason")
        check("arithmetic is broken" in out, "assertion message printed")
        check("unexpected boom" in out and "Traceback" in out, "traceback printed")
        check("heap-use-after-free" in out, "sanitizer file content printed")
        check("timed out after 5" in out, "watchdog reports the hung test")
        check("did not exit within" in out, "stop() reports a server ignoring SIGTERM")
        check("failing with a server running" in out and "apps.ini" in out,
              "failure shows the server diagnostics")
        for kind in ("ok", "fail", "stubborn"):
            try:
                pids = [int(x) for x in open(env["SELFTEST_PIDS"] + "." + kind).read().split()]
            except FileNotFoundError:
                check(False, "pids of the %s server recorded" % kind)
                continue
            left = [p for p in pids if alive(p)]
            check(len(pids) == 3 and not left,
                  "%s server: supervisor and workers gone (left: %s)" % (kind, left))

        rc, out = run(["--dir", tdir, "test_pass"], env)
        check(out.rstrip().split("\n")[-1] == "1 passed, 0 failed" and rc == 0,
              "filter runs one test, no skipped field when none skipped", out)

        rc, out = run(["--dir", tdir, "no_such_test"], env)
        check(rc == 1 and out.rstrip().split("\n")[-1] == "0 passed, 0 failed",
              "a filter matching nothing exits 1", out)

        env2 = dict(env, NANOD=os.path.join(d, "does-not-exist"))
        rc, out = run(["--dir", tdir, "test_pass", "test_fail"], env2)
        check(rc == 1 and "nanod binary not found" in out and "does-not-exist" in out and
              out.rstrip().split("\n")[-1] == "0 passed, 2 failed",
              "missing binary: clear message, all counted failed", out)

        rc, out = run(["--list"], dict(os.environ))
        check(rc == 0 and "test_routing.test_route_exact" in out, "--list lists the suite", out)

    print("%d passed, %d failed" % (len(passes), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
