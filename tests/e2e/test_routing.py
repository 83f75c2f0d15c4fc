"""Routing by Host: exact, longest wildcard, default, 404, normalization, 400."""

import lib


def const(name, hosts, default=False):
    return lib.App(name, source=lib.const_app("app " + name), hosts=hosts, default=default)


def expect_routes(s, table):
    """table: [(host, "app NAME" or 404 or a status)]; checks all, reports every miss."""
    misses = []
    for host, want in table:
        r = s.get("/", host=host)
        if isinstance(want, int):
            ok = r.status == want
        else:
            ok = r.status == 200 and r.text == want
        if not ok:
            misses.append("Host %r: want %r, got %r" % (host, want, r))
    assert not misses, "\n".join(misses)


def test_route_exact():
    apps = [const("a", "a.localhost"), const("b", "b.localhost, b2.localhost")]
    with lib.Nanod(apps) as s:
        expect_routes(s, [("a.localhost", "app a"), ("b.localhost", "app b"),
                          ("b2.localhost", "app b"), ("c.localhost", 404),
                          ("localhost", 404), ("xa.localhost", 404)])


def test_route_wildcard_longest_wins():
    apps = [const("a", "*.example.com"),
            const("b", "*.b.example.com"),
            const("c", "exact.b.example.com"),
            const("h", "*.hello.test")]
    with lib.Nanod(apps) as s:
        expect_routes(s, [
            ("x.example.com", "app a"),
            ("b.example.com", "app a"),           # one label more than example.com
            ("x.b.example.com", "app b"),         # longest wildcard wins
            ("y.x.b.example.com", "app b"),
            ("exact.b.example.com", "app c"),     # exact beats any wildcard
            ("a.hello.test", "app h"),
            ("x.y.hello.test", "app h"),          # any number of extra labels
            ("hello.test", 404),                  # not the bare suffix
            ("example.com", 404),
            ("badexample.com", 404),              # suffix match only at a dot
            ("x.example.com.evil", 404),
        ])


def test_route_wildcard_not_bare_suffix():
    apps = [const("h", "*.hello.example.com"), const("e", "example.com")]
    with lib.Nanod(apps) as s:
        expect_routes(s, [("a.hello.example.com", "app h"),
                          ("x.y.hello.example.com", "app h"),
                          ("hello.example.com", 404),
                          ("example.com", "app e")])


def test_route_default():
    apps = [const("a", "a.localhost"), const("d", "d.localhost", default=True)]
    with lib.Nanod(apps) as s:
        expect_routes(s, [("a.localhost", "app a"), ("d.localhost", "app d"),
                          ("unknown.localhost", "app d"), ("A.LOCALHOST", "app a"),
                          ("127.0.0.1:%d" % s.port, "app d")])


def test_route_default_without_hosts():
    apps = [const("a", "a.localhost"), const("d", "", default=True)]
    with lib.Nanod(apps) as s:
        expect_routes(s, [("a.localhost", "app a"), ("whatever.example", "app d")])


def test_route_unknown_404():
    apps = [const("a", "a.localhost")]
    with lib.Nanod(apps) as s:
        for host in ("nothere.localhost", "127.0.0.1:%d" % s.port):
            r = s.get("/some/path", host=host)
            assert r.status == 404, "Host %r: %r" % (host, r)
            assert 0 < len(r.body) < 512, "want a short body: %r" % r
            ctype = r.header("content-type", "")
            assert ctype.startswith("text/plain"), "want text/plain, got %r" % r
            assert "app a" not in r.text
        assert s.get(host="a.localhost").text == "app a"


def test_route_host_normalization():
    apps = [const("hello", "hello.localhost")]
    with lib.Nanod(apps) as s:
        expect_routes(s, [
            ("hello.localhost", "app hello"),
            ("HELLO.localhost", "app hello"),
            ("Hello.LocalHost", "app hello"),
            ("hello.localhost:%d" % s.port, "app hello"),
            ("hello.localhost:8080", "app hello"),        # any port
            ("hello.localhost.", "app hello"),            # one trailing dot
            ("hello.localhost.:8080", "app hello"),
            ("HELLO.LOCALHOST.:1", "app hello"),
        ])
        # Only one trailing dot is dropped.
        r = s.get("/", host="hello.localhost..")
        assert r.status in (400, 404), "Host 'hello.localhost..': %r" % r


def test_route_config_hosts_normalized():
    apps = [const("m", "MiXeD.LocalHost."), const("w", "*.WILD.Example.COM")]
    with lib.Nanod(apps) as s:
        expect_routes(s, [("mixed.localhost", "app m"), ("MIXED.localhost:99", "app m"),
                          ("a.wild.example.com", "app w"), ("A.Wild.Example.Com.", "app w")])


def test_route_ipv6_host():
    apps = [const("v6", "[::1]"), const("v4", "127.0.0.1")]
    with lib.Nanod(apps) as s:
        expect_routes(s, [("[::1]", "app v6"), ("[::1]:%d" % s.port, "app v6"),
                          ("127.0.0.1:%d" % s.port, "app v4"), ("127.0.0.1", "app v4"),
                          ("[::2]:80", 404)])


def test_missing_host_400():
    apps = [const("d", "d.localhost", default=True)]   # even with a default app
    with lib.Nanod(apps) as s:
        out = s.raw(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
        rs = lib.parse_responses(out)
        assert rs and rs[0].status == 400, "want 400 for HTTP/1.1 without Host, got %r" % out
        assert "app d" not in rs[0].text
        # The server is fine afterwards.
        assert s.get(host="d.localhost").text == "app d"


def test_missing_host_http10_goes_to_default():
    apps = [const("d", "d.localhost", default=True)]
    with lib.Nanod(apps) as s:
        out = s.raw(b"GET / HTTP/1.0\r\n\r\n")
        rs = lib.parse_responses(out)
        assert rs and rs[0].status == 200 and rs[0].text == "app d", \
            "HTTP/1.0 without Host: want the default app, got %r" % out
