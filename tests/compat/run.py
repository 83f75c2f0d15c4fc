#!/usr/bin/env python3
"""
The compat suite: real npm libraries (pinned in tests/compat/package-lock.json)
used the way their docs show for Cloudflare Workers. Each app in apps/ is built
with scripts/nanod-build, served by the real nanod, and the same bundle is
served by Node 20 (node-harness.js: fetch(new Request(...), env, ctx) behind
node:http). Every case (a request) goes to both; status, headers and body must
be identical.

    python3 tests/compat/run.py [APP...]      (default: every app)

nanod is $NANOD (default build/release/nanod). Packages: `npm ci` into
tests/compat/node_modules when missing or older than the lock file. Bundles go
to build/compat/. A failure names the app, the request and the difference.
Last line: "compat: N passed, N failed" (", N skipped" without Node/npm).
See tests/compat/README for how to add an app or a case.
"""

import concurrent.futures
import fcntl
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))

import lib  # noqa: E402

OUT = os.path.join(REPO, "build", "compat")
# Headers each server adds by itself (framing, its own clock): not the app's.
SERVER_HEADERS = {"date", "connection", "keep-alive", "transfer-encoding", "content-length",
                  "server", "x-request-id"}


def load_apps(only):
    apps = []
    for f in sorted(os.listdir(os.path.join(HERE, "apps"))):
        name, ext = os.path.splitext(f)
        if ext != ".json" or (only and name not in only):
            continue
        with open(os.path.join(HERE, "apps", f), encoding="utf-8") as fh:
            spec = json.load(fh)
        src = [s for s in (name + ".ts", name + ".js")
               if os.path.isfile(os.path.join(HERE, "apps", s))]
        if not src:
            raise SystemExit("tests/compat/apps/%s: no %s.ts or %s.js" % (f, name, name))
        spec["name"] = name
        spec["src"] = os.path.join(HERE, "apps", src[0])
        spec["bundle"] = os.path.join(OUT, name + ".js")
        spec["host"] = name + ".compat.localhost"
        apps.append(spec)
    missing = set(only) - {a["name"] for a in apps}
    if missing:
        raise SystemExit("no such compat app: " + ", ".join(sorted(missing)))
    return apps


def npm_ci(here=HERE):
    """npm ci in HERE (tests/compat) unless node_modules is as locked; None, or
    why it failed. Every user of tests/compat/node_modules calls this (this
    suite, test_d1_drizzle, test_crypto's jose interop), and make test runs
    them at once: npm ci empties node_modules first, so two of them at once
    failed (ENOTEMPTY) and left it half filled for the others. The install
    holds HERE/.npm-ci.lock and looks at the stamp again once it has it."""
    stamp = os.path.join(here, "node_modules", ".package-lock.json")
    lock = os.path.join(here, "package-lock.json")

    def fresh():
        return os.path.isfile(stamp) and os.path.getmtime(stamp) >= os.path.getmtime(lock)

    if fresh():
        return None
    with open(os.path.join(here, ".npm-ci.lock"), "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        if fresh():
            return None
        t0 = time.monotonic()
        r = subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund",
                            "--loglevel=error"], cwd=here, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=600)
        if r.returncode != 0:
            return "npm ci in %s failed:\n%s" % (here, r.stdout.decode(errors="replace")[-3000:])
        print("npm ci: %.1fs" % (time.monotonic() - t0))
    return None


def build(app):
    t0 = time.monotonic()
    r = subprocess.run([os.path.join(REPO, "scripts", "nanod-build"), app["src"], app["bundle"]],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    out = r.stdout.decode("utf-8", "replace").strip()
    return r.returncode, out, time.monotonic() - t0


def cases_of(app):
    out = []
    for c in app["cases"]:
        if isinstance(c, str):
            method, path = c.split(" ", 1)
            c = {"method": method, "path": path}
        out.append(c)
    return out


def send(port, host, case):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=lib.timeout(30))
    try:
        h = {"Host": host}
        h.update(case.get("headers", {}))
        body = case.get("body")
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        conn.request(case["method"], case["path"], body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        headers = {}
        for k, v in r.getheaders():
            k = k.lower()
            if k not in SERVER_HEADERS:
                headers.setdefault(k, []).append(v)
        return r.status, headers, data
    finally:
        conn.close()


def show(b):
    t = b.decode("utf-8", "replace")
    return repr(t if len(t) <= 400 else t[:400] + "...")


def diff(node, nd):
    out = []
    if node[0] != nd[0]:
        out.append("status: node %d, nanod %d" % (node[0], nd[0]))
    for k in sorted(set(node[1]) | set(nd[1])):
        a = node[1].get(k)
        b = nd[1].get(k)
        if a != b:
            out.append("header %s: node %r, nanod %r" % (k, a, b))
    if node[2] != nd[2]:
        out.append("body: node %s\n           nanod %s" % (show(node[2]), show(nd[2])))
    return out


def main(argv):
    only = [a for a in argv if not a.startswith("-")]
    apps = load_apps(only)
    ncases = sum(len(a["cases"]) for a in apps)
    if shutil.which("node") is None or shutil.which("npm") is None:
        print("SKIP compat: Node.js/npm not installed (scripts/install-deps --test installs them)")
        print("compat: 0 passed, 0 failed, %d skipped" % ncases)
        return 0
    t0 = time.monotonic()
    err = npm_ci()
    if err:
        print("FAIL compat: " + err)
        print("compat: 0 passed, %d failed" % ncases)
        return 1
    os.makedirs(OUT, exist_ok=True)
    passed = failed = 0
    built = []
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        for app, (rc, out, secs) in zip(apps, ex.map(build, apps)):
            if rc != 0:
                # Indented: scripts/run-tests shows a compat log's "FAIL" and
                # four-space lines only, and the build's own words are the reason.
                why = "exit %d" % rc if rc > 0 else "killed by signal %d" % -rc
                print("FAIL %s: scripts/nanod-build %s failed (%s, %.1fs):\n%s" % (
                    app["name"], os.path.relpath(app["src"], REPO), why, secs,
                    "\n".join("    " + l for l in (out or "(no output)").splitlines())))
                failed += len(app["cases"])
            else:
                print("built %s in %.1fs" % (app["name"], secs))
                built.append(app)
    with tempfile.TemporaryDirectory(prefix="nd-compat-") as tmp:
        spec = os.path.join(tmp, "apps.json")
        with open(spec, "w", encoding="utf-8") as f:
            json.dump([{"name": a["name"], "bundle": a["bundle"], "host": a["host"],
                        "env": a.get("env", {})} for a in built], f)
        node = subprocess.Popen(["node", os.path.join(HERE, "node-harness.js"), spec],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        try:
            line = node.stdout.readline().decode().strip()
            if not line.isdigit():
                print("FAIL compat: node-harness.js did not start (a bundle failed to load "
                      "in Node?)")
                print("compat: %d passed, %d failed" % (passed, failed + ncases))
                return 1
            node_port = int(line)
            nd_apps = []
            for a in built:
                with open(a["bundle"], encoding="utf-8") as f:
                    src = f.read()
                extra = {"cpu_limit": "2s"}
                extra.update(a.get("nanod", {}))
                nd_apps.append(lib.App(a["name"], source=src, hosts=a["host"],
                                       env=a.get("env", {}), extra=extra))
            with lib.Nanod(nd_apps) as s:
                for a in built:
                    for c in cases_of(a):
                        what = "%s: %s %s" % (a["name"], c["method"], c["path"])
                        try:
                            want = send(node_port, a["host"], c)
                            got = send(s.port, a["host"], c)
                            d = diff(want, got)
                        except (OSError, http.client.HTTPException) as e:
                            d = ["request failed: %r" % e]
                        if d:
                            failed += 1
                            print("FAIL %s\n    %s" % (what, "\n    ".join(d)))
                            errs = [ln for ln in lib.tail(s.log_path, 400).splitlines()
                                    if '"app":"%s"' % a["name"] in ln
                                    and '"level":"error"' in ln]
                            if errs:
                                print("    nanod error log: " + errs[-1][:600])
                        else:
                            passed += 1
                            print("ok   " + what)
        finally:
            node.stdin.close()
            node.wait(timeout=10)
    print("compat: %.1fs" % (time.monotonic() - t0))
    print("compat: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
