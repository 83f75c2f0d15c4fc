"""The JS sampling profiler: `profile = DIR` writes folded stacks of the app's JS."""

import glob
import os

import lib

HOST = "p.localhost"

# hot() is one line, so every sample taken in it names that line. fetch() keeps its
# frame (no tail call, which Duktape would make in place of the caller's).
HOT_APP = """\
function hot(n) { var x = 0; for (var i = 0; i < n; i++) { x = (x * 31 + i) % 1000003; } return x; }
function handle(url) {
  return new Response(String(hot(Number(new URL(url).searchParams.get("n") || 200000))));
}
export default { fetch(request) { var r = handle(request.url); return r; } };
"""


def read_folded(pattern):
    """{stack: count} summed over the files matching pattern."""
    out = {}
    for path in glob.glob(pattern):
        with open(path, encoding="utf-8") as f:
            for line in f:
                stack, _, count = line.rstrip("\n").rpartition(" ")
                assert stack and count.isdigit(), "not a folded line: %r in %s" % (line, path)
                out[stack] = out.get(stack, 0) + int(count)
    return out


def test_profile_names_the_hot_function_and_line():
    with lib.tempdir() as pdir:
        apps = [lib.App("p", source=HOT_APP, hosts=HOST, extra={"profile": pdir,
                                                                 "cpu_limit": "10s"}),
                lib.App("q", source=HOT_APP, hosts="q.localhost")]
        with lib.Nanod(apps, workers=1) as s:
            for _ in range(10):
                r = s.get("/?n=300000", host=HOST)
                assert r.status == 200, r
                r = s.get("/?n=1000", host="q.localhost")
                assert r.status == 200, r
            pattern = os.path.join(pdir, "p.*.folded")
            # Written at most once a second while samples come in: one more request
            # after a second flushes what the ones before sampled.
            def hot_samples():
                s.get("/?n=1000", host=HOST)
                return sum(c for st, c in read_folded(pattern).items()
                           if st.split(";")[-1].startswith("hot ("))
            lib.wait_until(lambda: hot_samples() >= 20, 20 * lib.SCALE,
                           "20 samples in hot() in %s" % pattern)
            stacks = read_folded(pattern)
            script = os.path.join(s.dir, "apps", "p.js")
            leaf = "hot (%s:1)" % script
            hot = {st: c for st, c in stacks.items() if st.split(";")[-1] == leaf}
            assert sum(hot.values()) >= 20, stacks
            # Callers with their call-site lines: handle() line 3 called by fetch() line 5.
            want = "handle (%s:3);%s" % (script, leaf)
            assert any(st.endswith(want) for st in hot), hot
            assert any(";fetch (%s:5);" % script in st for st in hot), hot
            # ... and below them the bootstrap's dispatch, the root of every request.
            assert all("(bootstrap/" in st.split(";")[0] for st in hot), hot
            # Only the profiled app is sampled, into its own file.
            assert not glob.glob(os.path.join(pdir, "q.*")), os.listdir(pdir)
            assert all("apps/q.js" not in st for st in stacks), stacks


def test_profile_config_errors():
    with lib.tempdir() as d:
        with open(os.path.join(d, "a.js"), "w") as f:
            f.write(lib.const_app("x"))
        for value, msg in (("relative/dir", "give an absolute directory"),
                           (os.path.join(d, "missing"), "not a directory"),
                           (os.path.join(d, "a.js"), "not a directory")):
            with open(os.path.join(d, "apps.ini"), "w") as f:
                f.write("[server]\nlisten = 127.0.0.1:%d\n\n[app:a]\nscript = a.js\n"
                        "default = yes\nprofile = %s\n" % (lib.free_port(), value))
            r = lib.check_config(os.path.join(d, "apps.ini"))
            assert r.rc != 0, r
            assert "apps.ini:7: " in r.output and msg in r.output, r
