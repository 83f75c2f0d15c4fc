#!/usr/bin/env python3
"""
Promises/A+ compliance (npm promises-aplus-tests, 872 tests) against our
Promise, inside a real nanod heap with our microtask queue and setTimeout.

    python3 tests/js/run_aplus.py

The package comes from $APLUS_DIR, else build/aplus/node_modules/ (installed
there with npm on first use). tests/js/aplus/harness.js + the package's test
files become one app; each test file is one request (its tests run at once).
The binary is $NANOD (default build/release/nanod). Last line:
"N passed, N failed" (or ", N skipped" when the package cannot be had).
"""

import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))

import lib  # noqa: E402

VERSION = "2.1.2"
EXPECTED = 872


def package_dir():
    d = os.environ.get("APLUS_DIR")
    if d:
        return d
    prefix = os.path.join(REPO, "build", "aplus")
    d = os.path.join(prefix, "node_modules", "promises-aplus-tests")
    if os.path.isdir(os.path.join(d, "lib", "tests")):
        return d
    npm = shutil.which("npm")
    if npm is None:
        print("SKIP promises-aplus-tests: npm not installed (scripts/install-deps installs it)")
        return None
    os.makedirs(prefix, exist_ok=True)
    r = subprocess.run([npm, "install", "--prefix", prefix, "--no-audit", "--no-fund",
                        "--no-save", "promises-aplus-tests@" + VERSION],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    if r.returncode != 0 or not os.path.isdir(os.path.join(d, "lib", "tests")):
        print(r.stdout.decode(errors="replace")[-2000:])
        print("SKIP promises-aplus-tests: npm install failed")
        return None
    return d


def bundle(pkg):
    tests_dir = os.path.join(pkg, "lib", "tests")
    with open(os.path.join(HERE, "aplus", "harness.js"), encoding="utf-8") as f:
        src = f.read()
    files = []
    for rel in sorted(os.listdir(os.path.join(tests_dir, "helpers"))):
        files.append(("helpers/" + rel[:-3], os.path.join(tests_dir, "helpers", rel)))
    names = []
    for rel in sorted(os.listdir(tests_dir)):
        if rel.endswith(".js"):
            files.append((rel[:-3], os.path.join(tests_dir, rel)))
            names.append(rel[:-3])
    for name, path in files:
        with open(path, encoding="utf-8") as f:
            body = f.read()
        src += "\nMODULES[%s] = function (module, exports, require) {\n%s\n};\n" % (
            json.dumps(name), body)
    return src, names


def main():
    pkg = package_dir()
    if pkg is None:
        print("0 passed, 0 failed, %d skipped" % EXPECTED)
        return 0
    src, names = bundle(pkg)
    app = lib.App("aplus", source=src, hosts="aplus.localhost",
                  extra={"cpu_limit": "0", "request_timeout": "300s"})
    passed = failed = 0
    with lib.Nanod([app]) as s:
        for name in names:
            r = s.get("/run?file=" + name, host="aplus.localhost", timeout_s=lib.timeout(300))
            if r.status != 200:
                print("FAIL %s: HTTP %d %s" % (name, r.status, r.text[:2000]))
                print(lib.tail(s.log_path))
                failed += 1
                continue
            j = r.json()
            passed += j["passed"]
            failed += len(j["failed"])
            print("%s: %d passed, %d failed" % (name, j["passed"], len(j["failed"])))
            for f in j["failed"]:
                print("  FAIL %s: %s" % (f["name"], f["error"]))
    if passed + failed != EXPECTED:
        print("FAIL: %d tests ran, the suite has %d" % (passed + failed, EXPECTED))
        failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
