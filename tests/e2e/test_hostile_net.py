"""Hostile clients, round 2 (issue 15 items 1, 2, 9, 11): request smuggling
through chunk framing and empty Transfer-Encoding, slow bodies, partial uploads
pinning memory, uneven accepts and descriptor exhaustion. Each test starts the
real nanod and talks to it over sockets."""

import socket
import threading
import time

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
