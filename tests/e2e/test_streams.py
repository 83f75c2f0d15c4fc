"""Streaming bodies (issue 20): Response bodies that are ReadableStreams go out
as they are produced (SSE), with backpressure from the socket, cancel() on a
client hang-up, Content-Length for FixedLengthStream, request bodies as
streams. App: tests/apps/streams.js."""

import gzip
import json
import socket
import time

import lib

HOST = "streams.localhost"


def _app(extra=None):
    return lib.App("streams", file="streams.js", hosts=HOST, extra=extra)


def _open(port, path, method="GET", body=b"", headers=()):
    s = socket.create_connection(("127.0.0.1", port), timeout=lib.timeout(10))
    head = "%s %s HTTP/1.1\r\nHost: %s\r\n" % (method, path, HOST)
    for k, v in headers:
        head += "%s: %s\r\n" % (k, v)
    if body:
        head += "Content-Length: %d\r\n" % len(body)
    s.sendall(head.encode() + b"\r\n" + body)
    return s


def _read_head(s):
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        assert d, "connection closed before the head: %r" % buf
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return lines[0], hdrs, rest


def _dechunk(data):
    """(body, complete) of a chunked body."""
    body, pos = b"", 0
    while True:
        e = data.find(b"\r\n", pos)
        if e < 0:
            return body, False
        size = int(data[pos:e].split(b";")[0], 16)
        if size == 0:
            return body, data[e + 2:e + 4] == b"\r\n"
        if len(data) < e + 2 + size + 2:
            return body + data[e + 2:e + 2 + size], False
        body += data[e + 2:e + 2 + size]
        pos = e + 2 + size + 2


def _read_all(s, rest=b""):
    data = rest
    s.settimeout(lib.timeout(10))
    while True:
        try:
            d = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not d:
            break
        data += d
    return data


def test_sse_events_arrive_as_written():
    # 5 events 100 ms apart: 5 separate reads, each within 20 ms of its write
    # (the event carries the server's Date.now(); same machine, same clock).
    with lib.Nanod([_app()]) as srv:
        s = _open(srv.port, "/sse")
        status, hdrs, rest = _read_head(s)
        assert status.startswith("HTTP/1.1 200"), status
        assert hdrs.get("transfer-encoding") == "chunked", hdrs
        assert hdrs.get("content-type") == "text/event-stream", hdrs
        reads, late = [], []
        buf = rest
        s.settimeout(lib.timeout(5))
        while True:
            if buf:
                d, buf = buf, b""
            else:
                d = s.recv(65536)
            now = time.time() * 1000
            if not d:
                break
            if d.startswith(b"0\r\n"):
                break
            reads.append(d)
            body, _ = _dechunk(d)
            for line in body.decode().split("\n"):
                if line.startswith("data: "):
                    late.append(now - float(line[6:]))
            if d.endswith(b"0\r\n\r\n"):
                break
        s.close()
        events = [r for r in reads if b"data: " in r]
        assert len(events) == 5, reads
        assert all(r.count(b"data: ") == 1 for r in events), reads
        limit = 20 * lib.SCALE
        assert max(late) <= limit, "arrival delays (ms): %s" % late


def test_backpressure_and_cancel_on_disconnect():
    # An endless pull source: while the client does not read, pull stops
    # (bounded by socket buffers + the output high-water mark); the client
    # hanging up runs the stream's cancel().
    with lib.Nanod([_app()]) as srv:
        s = _open(srv.port, "/endless")
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        status, hdrs, _ = _read_head(s)
        assert status.startswith("HTTP/1.1 200"), status
        time.sleep(1.0)
        st1 = lib.request(srv.port, path="/state", host=HOST).json()
        time.sleep(0.5)
        st2 = lib.request(srv.port, path="/state", host=HOST).json()
        assert st1["pulled"] == st2["pulled"], (st1, st2)       # stopped: backpressure
        assert st2["pulled"] * 65536 < 16 * 1024 * 1024, st2     # bounded
        got = 0
        s.settimeout(lib.timeout(5))
        while got < 2 * 1024 * 1024:                             # drain some: pull resumes
            d = s.recv(1 << 20)
            assert d
            got += len(d)
        lib.wait_until(lambda: lib.request(srv.port, path="/state", host=HOST).json()["pulled"]
                       > st2["pulled"], lib.timeout(5), "pull to resume after reading")
        s.close()
        lib.wait_until(lambda: lib.request(srv.port, path="/state", host=HOST).json()
                       ["cancelled"] == 1, lib.timeout(5), "cancel() after the hang-up")
        st = lib.request(srv.port, path="/state", host=HOST).json()
        assert "disconnected" in st["reason"], st


def test_fixed_length_stream_sends_content_length():
    with lib.Nanod([_app()]) as srv:
        r = lib.request(srv.port, path="/fixed", host=HOST)
        assert r.status == 200 and r.text == "hello world", r
        assert r.header("content-length") == "11", r
        assert r.header("transfer-encoding") is None, r


def test_stream_error_cuts_the_response():
    # A source that throws mid-way: the client sees a cut chunked body (no
    # terminating chunk, connection closed), and the error log says why.
    with lib.Nanod([_app()]) as srv:
        s = _open(srv.port, "/broken")
        status, hdrs, rest = _read_head(s)
        assert status.startswith("HTTP/1.1 200"), status
        body, complete = _dechunk(_read_all(s, rest))
        s.close()
        assert body == b"part1\npart2\n" and not complete, (body, complete)
        lib.wait_until(lambda: "the source broke" in open(srv.log_path).read(),
                       lib.timeout(5), "the error in the log")
        # a string chunk is a TypeError, logged; the server serves on
        s = _open(srv.port, "/string-chunk")
        _, _, rest = _read_head(s)
        body, complete = _dechunk(_read_all(s, rest))
        s.close()
        assert body == b"" and not complete, (body, complete)
        assert lib.request(srv.port, path="/hello", host=HOST).text == "hello"


def test_request_body_streams():
    with lib.Nanod([_app()]) as srv:
        data = b"x" * 100000 + b"end"
        r = lib.request(srv.port, method="POST", path="/echo", host=HOST, body=data)
        assert r.status == 200 and r.body == data, r
        assert r.header("x-used") == "false", r
        r = lib.request(srv.port, method="POST", path="/upper", host=HOST,
                        body="héllo stream".encode())
        assert r.status == 200 and r.text == "HÉLLO STREAM", r
        r = lib.request(srv.port, method="POST", path="/text-after-body", host=HOST,
                        body=b"abc")
        assert r.text == "abc|true|true", r
        r = lib.request(srv.port, path="/used-twice", host=HOST)
        assert r.status == 500, r
        r = lib.request(srv.port, path="/iter", host=HOST)
        assert r.status == 200 and r.text == "3", r


def test_keepalive_after_streamed_responses():
    # Streamed (chunked) responses keep the connection usable.
    with lib.Nanod([_app()]) as srv:
        import http.client
        c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=lib.timeout(10))
        for path in ("/fixed", "/sse", "/hello", "/fixed"):
            r = lib.conn_request(c, path=path, host=HOST)
            assert r.status == 200, (path, r)
        c.close()


def test_compression_streams():
    with lib.Nanod([_app()]) as srv:
        r = lib.request(srv.port, path="/gzip?n=5000", host=HOST)
        assert r.status == 200 and r.header("content-encoding") == "gzip", r
        assert gzip.decompress(r.body) == b"abcdefghij" * 5000, len(r.body)
        assert len(r.body) < 2000, len(r.body)
        data = ("line %d\n" % 7) * 3000
        r = lib.request(srv.port, method="POST", path="/gunzip", host=HOST,
                        body=gzip.compress(data.encode()))
        assert r.status == 200 and r.text == data, r
        s = _open(srv.port, "/gunzip", method="POST", body=b"not gzip at all")
        _, _, rest = _read_head(s)
        body, complete = _dechunk(_read_all(s, rest))
        s.close()
        assert not complete, body
