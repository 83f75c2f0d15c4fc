#!/usr/bin/env python3
"""
nanod end-to-end test runner (Python 3 stdlib only).

    python3 tests/e2e/run.py [-j N] [--dir DIR] [--list] [FILTER...]

Discovers DIR/test_*.py (default: this directory), runs every top-level
`test_*` function (in file order) whose "module.function" name contains one of
the FILTERs (all when none), prints `ok NAME`, `skip NAME: why` or
`FAIL NAME` with the traceback, and as its last line exactly
`N passed, N failed` (`, N skipped` appended only when some were skipped).
Exit status 1 when anything failed.

Server processes get ASAN_OPTIONS / UBSAN_OPTIONS with log_path under a temp
dir per run, or $ND_SANITIZER_DIR when set: files are named
asan.<test>.<pid> / ubsan.<test>.<pid>; a test that leaves one FAILS and the
file is printed.

Environment: NANOD (binary, default build/release/nanod), ND_E2E_JOBS
(default 2), ND_E2E_TEST_TIMEOUT (s per test, default 120; a test function's
timeout_s attribute raises it for that test),
ND_E2E_TIMEOUT_SCALE (multiplies every wait), ND_E2E_KEEP=1 (keep temp dirs).
"""

import argparse
import glob
import importlib.util
import inspect
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import lib  # noqa: E402


def discover(test_dir):
    tests = []
    for path in sorted(glob.glob(os.path.join(test_dir, "test_*.py"))):
        modname = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(modname, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[modname] = mod
        spec.loader.exec_module(mod)
        funcs = [f for n, f in vars(mod).items()
                 if n.startswith("test_") and inspect.isfunction(f) and f.__module__ == modname]
        funcs.sort(key=lambda f: f.__code__.co_firstlineno)
        tests += [("%s.%s" % (modname, f.__name__), f) for f in funcs]
    return tests


def sanitizer_files(san_dir, name):
    tag = lib.safe_name(name)
    files = []
    for kind in ("asan", "ubsan"):
        files += glob.glob(os.path.join(san_dir, "%s.%s.*" % (kind, tag)))
    return sorted(files)


def read_capped(path, cap=20000):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return "(cannot read: %s)" % e
    text = data.decode("utf-8", "replace")
    return text if len(text) <= cap else text[:cap] + "\n... (%d bytes more)" % (len(text) - cap)


class Runner:
    def __init__(self, tests, jobs, san_dir, test_timeout, san_before=()):
        self.tests = tests
        self.san_before = set(san_before)     # reports already there: not this run's
        self.jobs = max(1, jobs)
        self.san_dir = san_dir
        self.test_timeout = test_timeout
        self.lock = threading.Lock()
        self.passed = self.failed = self.skipped = 0
        self.next = 0

    def report(self, status, name, detail="", secs=0.0):
        with self.lock:
            if status == "ok":
                self.passed += 1
                print("ok %s (%.1fs)" % (name, secs))
            elif status == "skip":
                self.skipped += 1
                print("skip %s: %s" % (name, detail))
            else:
                self.failed += 1
                print("FAIL %s (%.1fs)" % (name, secs))
                if detail:
                    print("    " + detail.rstrip().replace("\n", "\n    "))
            sys.stdout.flush()

    def run_one(self, name, func):
        """Runs func in a thread with a watchdog; returns (status, detail)."""
        box = {}

        def body():
            lib.set_test_context(name, os.path.join(self.san_dir, ""))
            try:
                func()
                box["status"] = "ok"
            except lib.Skip as e:
                box["status"], box["detail"] = "skip", str(e) or "skipped"
            except BaseException:
                box["status"], box["detail"] = "fail", traceback.format_exc()
            notes = lib.take_notes()
            if notes and box["status"] == "fail":
                box["detail"] += "\n" + "\n".join(notes)

        t = threading.Thread(target=body, name=name, daemon=True)
        t.start()
        # A test that installs what it needs first (npm ci) says how long it
        # may take: func.timeout_s, scaled like every other wait.
        limit = max(self.test_timeout, lib.timeout(getattr(func, "timeout_s", 0)))
        t.join(limit)
        if t.is_alive():
            lib.kill_leftovers(name)
            return "fail", "test timed out after %ss (its processes were killed)" % (
                limit,), True
        return box.get("status", "fail"), box.get("detail", ""), False

    def worker(self):
        while True:
            with self.lock:
                if self.next >= len(self.tests):
                    return
                name, func = self.tests[self.next]
                self.next += 1
            t0 = time.monotonic()
            status, detail, hung = self.run_one(name, func)
            san = [f for f in sanitizer_files(self.san_dir, name) if f not in self.san_before]
            if san:
                text = "\n".join("--- %s:\n%s" % (f, read_capped(f)) for f in san)
                detail = (detail + "\n" if status == "fail" and detail else "") + \
                    "sanitizer report(s):\n" + text
                status = "fail"
            self.report(status, name, detail, time.monotonic() - t0)
            if hung:
                self.hung = True

    def run(self):
        self.hung = False
        threads = [threading.Thread(target=self.worker, daemon=True)
                   for _ in range(min(self.jobs, len(self.tests)) or 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return self.hung


def summary(passed, failed, skipped):
    line = "%d passed, %d failed" % (passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    return line


def main(argv):
    ap = argparse.ArgumentParser(description="nanod e2e tests")
    ap.add_argument("filters", nargs="*", help="run tests whose module.name contains one of these")
    ap.add_argument("-j", "--jobs", type=int, default=int(os.environ.get("ND_E2E_JOBS", "2")))
    ap.add_argument("--dir", default=HERE, help="directory of test_*.py (default: tests/e2e)")
    ap.add_argument("--list", action="store_true", help="list the tests and exit")
    args = ap.parse_args(argv)

    tests = discover(args.dir)
    if args.filters:
        tests = [(n, f) for n, f in tests if any(flt in n for flt in args.filters)]
    if args.list:
        for n, _ in tests:
            print(n)
        return 0
    if not tests:
        print("run.py: no test matched", file=sys.stderr)
        print(summary(0, 0, 0))
        return 1

    try:
        lib.check_binary()
    except lib.NanodMissing as e:
        print("run.py: %s" % e, file=sys.stderr)
        print("FAIL (all %d tests): %s" % (len(tests), e))
        print(summary(0, len(tests), 0))
        return 1

    own_san = not os.environ.get("ND_SANITIZER_DIR")
    san_dir = os.environ.get("ND_SANITIZER_DIR") or tempfile.mkdtemp(prefix="nd-e2e-san-")
    os.makedirs(san_dir, exist_ok=True)
    test_timeout = float(os.environ.get("ND_E2E_TEST_TIMEOUT", "120"))

    def san_files():
        return set(glob.glob(os.path.join(san_dir, "asan.*")) +
                   glob.glob(os.path.join(san_dir, "ubsan.*")))
    before = san_files()

    print("nanod: %s; %d tests, %d jobs, sanitizer logs in %s" % (
        lib.nanod_path(), len(tests), args.jobs, san_dir))
    sys.stdout.flush()
    t0 = time.monotonic()
    r = Runner(tests, args.jobs, san_dir, test_timeout, before)
    hung = r.run()
    lib.kill_leftovers(everything=True)

    stray = sorted(san_files() - before -
                   set(f for n, _ in tests for f in sanitizer_files(san_dir, n)))
    if stray:   # new, but written by a process outside any test's context
        r.report("fail", "(sanitizer, no test)", "\n".join(
            "--- %s:\n%s" % (f, read_capped(f)) for f in stray))
    if own_san:
        try:
            keep = bool(os.listdir(san_dir))
        except OSError:
            keep = False
        if keep:
            print("sanitizer reports kept in %s" % san_dir)
        else:
            shutil.rmtree(san_dir, ignore_errors=True)
    print("(%.1fs)" % (time.monotonic() - t0))
    print(summary(r.passed, r.failed, r.skipped))
    sys.stdout.flush()
    code = 1 if r.failed else 0
    if hung:        # a test thread is still stuck: do not wait for it
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
