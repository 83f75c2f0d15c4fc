"""Hostile clients, round 2 (issue 15 items 1, 2, 9, 11): request smuggling
through chunk framing and empty Transfer-Encoding, slow bodies, partial uploads
pinning memory, uneven accepts and descriptor exhaustion. Each test starts the
real nanod and talks to it over sockets."""

import json
import os
import signal
import socket
import threading
import time
import urllib.parse

import lib


def echo_server(workers=1, **server_extra):
    apps = [lib.App("echo", file="echo.js", hosts="echo.test", default=True)]
    return lib.Nanod(apps, workers=workers, server_extra=server_extra)


def status_of(buf):
    """The status code of the first response in raw bytes, or None."""
    if not buf.startswith(b"HTTP/1.1 "):
        return None
    return int(buf[9:12])


def test_smuggling_chunk_data_without_crlf_is_400():
    # "abcXX" + "0\r\n\r\n": the loose llhttp took XX as the CRLF after the chunk
    # data and answered 200 with body "abc"; a front proxy that reads the framing
    # strictly sees something else: a desync.
    with echo_server() as s:
        buf = lib.raw(s.port, b"POST / HTTP/1.1\r\nHost: echo.test\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n3\r\nabcXX0\r\n\r\n", timeout_s=10)
        assert status_of(buf) == 400, buf[:200]
        assert b"Connection: close" in buf
        # and the well-formed one still works
        buf = lib.raw(s.port, b"POST / HTTP/1.1\r\nHost: echo.test\r\nConnection: close\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", timeout_s=10)
        assert status_of(buf) == 200 and buf.endswith(b"abc"), buf[:300]


def test_smuggling_empty_transfer_encoding_with_content_length_is_400():
    with echo_server() as s:
        for req in (b"POST / HTTP/1.1\r\nHost: echo.test\r\nTransfer-Encoding:\r\n"
                    b"Content-Length: 5\r\n\r\nhello",
                    b"POST / HTTP/1.1\r\nHost: echo.test\r\nContent-Length: 5\r\n"
                    b"Transfer-Encoding:  \r\n\r\nhello"):
            buf = lib.raw(s.port, req, timeout_s=10)
            assert status_of(buf) == 400, (req, buf[:200])
            assert b"Transfer-Encoding" in buf, buf[:300]


def strict_json_lines(path):
    """Every line of a JSON-lines file, each decoded as strict UTF-8 then JSON."""
    with open(path, "rb") as f:
        data = f.read()
    out = []
    for line in data.split(b"\n"):
        if line.strip():
            text = line.decode("utf-8")     # raises on invalid UTF-8
            out.append(json.loads(text))
    return out


def test_garbage_config_key_logged_as_valid_utf8_json():
    with echo_server(access_log="access.log") as s:
        with open(s.config_path, "rb") as f:
            ini = f.read()
        ini = ini.replace(b"[server]\n", b"[server]\n\xff\xfe\xc3garb\xed\xa0\x80 = 1\n", 1)
        tmp = s.config_path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(ini)
        os.rename(tmp, s.config_path)
        s.send_signal(signal.SIGHUP)
        s.wait_log(lambda o: "unknown key" in o["msg"], what="the unknown-key error")
        lines = strict_json_lines(s.log_path)
        bad = [o["msg"] for o in lines if "unknown key" in o["msg"]]
        assert bad and "\ufffd\ufffd\ufffdgarb\ufffd\ufffd\ufffd" in bad[0], bad
        # A client's obs-text Host (valid for llhttp) in the access log, and a good
        # multibyte one kept as is.
        for host in (b"\xff\xc3x.test", "\u00e9\u4e2d.test".encode("utf-8")):
            buf = lib.raw(s.port, b"GET / HTTP/1.1\r\nHost: " + host + b"\r\n"
                          b"Connection: close\r\n\r\n", timeout_s=10)
            assert status_of(buf) == 200, buf[:200]
        path = os.path.join(s.dir, "access.log")
        lib.wait_until(lambda: len(strict_json_lines(path)) >= 2, lib.timeout(5),
                       "two access-log lines")
        hosts = [o["host"] for o in strict_json_lines(path)]
        assert "\ufffd\ufffdx.test" in hosts and "\u00e9\u4e2d.test" in hosts, hosts


def test_fetch_url_with_credentials_is_a_type_error():
    from test_fetch import Upstream, client, call
    with Upstream() as up, lib.Nanod([client()]) as s:
        url = "http://user:pw@127.0.0.1:%d/echo" % up.port
        for spec in ({"url": url}, {"url": url, "init": {"method": "POST", "body": "x"}},
                     {"url": "http://user@127.0.0.1:%d/echo" % up.port},
                     {"url": "http://:pw@127.0.0.1:%d/echo" % up.port},
                     # a redirect to a URL with credentials: refused on that hop too
                     {"url": up.url("/redirect?to=" + urllib.parse.quote(url, safe=""))}):
            j = call(s, spec)
            assert j.get("error") == "TypeError" and "credentials" in j["message"], (spec, j)
            assert "pw" not in json.dumps(j.get("url", "")), j
        # nothing ever reached the upstream with an Authorization header
        with up.lock:
            sent = [h for (_, _, hdrs, _) in up.requests for h in hdrs
                    if h[0].lower() == "authorization"]
        assert sent == [], sent
        # a plain URL still works
        j = call(s, {"url": up.url("/echo"), "read": "json"})
        assert j["status"] == 200, j
