"""Web API classes (issue 5) through the real server: tests/apps/webapi_classes.js."""

import hashlib
import hmac
import json

import lib

HOST = "api.localhost"


def server():
    return lib.Nanod([lib.App("api", file="webapi_classes.js", hosts=HOST)])


def test_binary_round_trip():
    body = bytes(range(256)) * 4 + b"\x00\x00\xff\xfe" + "h\u00e9llo \u2713".encode("utf-8")
    with server() as s:
        r = s.post("/echo-bytes", host=HOST, body=body)
        assert r.status == 200, r
        assert r.body == body, "bytes changed: sent %d got %d" % (len(body), len(r.body))
        assert r.header("x-length") == str(len(body)), r
        assert r.header("content-type") == "application/octet-stream", r
        r = s.post("/echo-bytes", host=HOST, body=b"")
        assert r.status == 200 and r.body == b"", r
        text = "a\u0000b \u00e9\u20ac\U0001F600".encode("utf-8")
        r = s.post("/echo-text", host=HOST, body=text)
        assert r.status == 200 and r.body == text, r
        assert r.header("content-type") == "text/plain;charset=UTF-8", r


def test_request_headers():
    with server() as s:
        r = s.request("GET", "/headers", host=HOST, headers={
            "X-Test": "abc", "X-Multi": "one", "X-Latin": "caf\u00e9"})
        assert r.status == 200, r
        j = r.json()
        names = [k for k, _ in j["list"]]
        assert names == sorted(names), j
        assert ["x-test", "abc"] in j["list"], j
        assert ["x-latin", "caf\u00e9"] in j["list"], j
        assert j["immutable"] and j["immutable"]["isTypeError"], j
        out = s.raw(b"GET /headers HTTP/1.1\r\nHost: api.localhost\r\nX-Multi: a\r\n"
                    b"X-Multi: b\r\nConnection: close\r\n\r\n")
        rs = lib.parse_responses(out)
        assert rs and rs[0].json()["xMulti"] == "a, b", out


def test_invalid_header_name_type_error():
    with server() as s:
        r = s.get("/bad-header", host=HOST)
        assert r.status == 200, r
        j = r.json()
        for k in ("ctor", "append", "response"):
            assert j[k] and j[k]["isTypeError"] and j[k]["name"] == "TypeError", (k, j)
        r = s.get("/bad-header-uncaught", host=HOST)
        assert r.status == 500, r
        s.wait_log(lambda o: o.get("app") == "api" and "TypeError" in o.get("msg", "")
                   and "header" in o.get("msg", "").lower(), what="TypeError for the header")


def test_body_read_twice_type_error():
    with server() as s:
        r = s.post("/body-twice", host=HOST, body=b"abc")
        assert r.status == 200, r
        j = r.json()
        assert j["error"] == {"name": "TypeError", "isTypeError": True}, j
        assert j["bodyUsed"] is True, j


def test_redirect():
    with server() as s:
        r = s.get("/redirect", host=HOST)
        assert r.status == 307, r
        assert r.header("location") == "http://api.localhost/target?x=1", r
        r = s.get("/redirect-bad", host=HOST)
        j = r.json()
        assert j["error"]["name"] == "RangeError" and j["error"]["isRangeError"], j
        r = s.get("/redirect-bad-uncaught", host=HOST)
        assert r.status == 500, r
        s.wait_log(lambda o: o.get("app") == "api" and "RangeError" in o.get("msg", ""),
                   what="RangeError in the log")


def test_response_headers_status_and_set_cookie():
    with server() as s:
        r = s.get("/set-cookie", host=HOST)
        # statusText stays JS-side: native.respond (bind_http.c) takes no reason phrase.
        assert r.status == 201, r
        cookies = [v for k, v in r.header_list if k.lower() == "set-cookie"]
        assert cookies == ["a=1; Path=/", "b=2"], r.header_list
        dups = [v for k, v in r.header_list if k.lower() == "x-dup"]
        assert dups in (["1", "2"], ["1, 2"]), r.header_list
        r = s.get("/json-response", host=HOST)
        assert r.status == 202 and r.header("x-a") == "b", r
        assert r.header("content-type") == "application/json", r
        assert r.json() == {"ok": True, "s": "\u00e9"}, r
        r = s.get("/response-error", host=HOST)
        assert r.status == 500, r


def multipart(fields, files, boundary="XyZzY-boundary"):
    out = b""
    for k, v in fields:
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n" % (
            boundary, k)).encode() + v.encode("utf-8") + b"\r\n"
    for k, name, ctype, data in files:
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                "Content-Type: %s\r\n\r\n" % (boundary, k, name, ctype)).encode() + data + b"\r\n"
    out += ("--%s--\r\n" % boundary).encode()
    return out, "multipart/form-data; boundary=%s" % boundary


def test_form_data_multipart_and_urlencoded():
    data = bytes(range(256)) + b"\r\n--not-the-boundary\r\n"
    body, ctype = multipart([("name", "J\u00fcrgen"), ("empty", "")],
                            [("file", "f.bin", "application/octet-stream", data)])
    with server() as s:
        r = s.post("/formdata", host=HOST, body=body, headers={"Content-Type": ctype})
        assert r.status == 200, r
        j = r.json()
        assert j["name"] == "J\u00fcrgen" and j["empty"] == "", j
        assert j["file"] == {"name": "f.bin", "type": "application/octet-stream",
                             "size": len(data)}, j
        assert j["fileSha256"] == hashlib.sha256(data).hexdigest(), j
        r = s.post("/formdata", host=HOST, body=b"a=1&b=x+y%21&c",
                   headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status == 200 and r.json() == {"a": "1", "b": "x y!", "c": ""}, r
        r = s.post("/formdata", host=HOST, body=b"plain", headers={"Content-Type": "text/plain"})
        assert r.status == 500, r
        r = s.get("/formdata-response", host=HOST)
        assert r.status == 200, r
        ct = r.header("content-type")
        assert ct.startswith("multipart/form-data; boundary="), r
        b = ct.split("boundary=")[1].encode()
        assert r.body.startswith(b"--" + b) and r.body.endswith(b"--" + b + b"--\r\n"), r
        assert b"\x00\xc3\xbf" in r.body and b'filename="x.bin"' in r.body, r


def test_url_and_search_params():
    with server() as s:
        r = s.get("/url?a=1&b=%C3%A9&a=2&c=x+y", host=HOST)
        assert r.status == 200, r
        j = r.json()
        assert j["pathname"] == "/url" and j["host"] == HOST, j
        assert j["query"] == [["a", "1"], ["b", "\u00e9"], ["a", "2"], ["c", "x y"]], j
        assert j["idn"] == "xn--bcher-kva.example", j
        assert j["invalid"]["isTypeError"], j


def test_crypto():
    with server() as s:
        r = s.post("/crypto", host=HOST, body=b"abc\x00\xff")
        assert r.status == 200, r
        j = r.json()
        assert j["sha256"] == hashlib.sha256(b"abc\x00\xff").hexdigest(), j
        assert j["hmac"] == hmac.new(b"secret", b"message", hashlib.sha256).hexdigest(), j
        assert len(j["uuid"]) == 36 and j["uuid"][14] == "4" and j["random"] == 8, j


def test_encoding_base64_domexception():
    with server() as s:
        j = s.get("/encoding", host=HOST).json()
        assert j["bytes"] == list("\u00e9\u20ac\U0001F600".encode("utf-8")), j
        assert j["text"] == "\u00e9\u20ac\U0001F600", j
        assert j["fatal"]["isTypeError"], j
        assert j["btoa"] == "/wBh", j
        assert j["atob"]["name"] == "InvalidCharacterError" and j["atob"]["isDOMException"], j


def test_abort_clone_promise():
    with server() as s:
        j = s.get("/abort", host=HOST).json()
        assert j == {"aborted": True, "reason": "AbortError", "events": 1,
                     "signal": "boolean"}, j
        j = s.get("/clone", host=HOST).json()
        assert j["date"] is True and j["a"] == [1, 2], j
        assert j["error"]["name"] == "DataCloneError" and j["error"]["isDOMException"], j
        j = s.get("/promise", host=HOST).json()
        assert j == {"order": ["micro", "all"], "settled": ["rejected", "fulfilled"]}, j
        r = s.post("/request-clone", host=HOST, body=b"twice",
                   headers={"X-Test": "t"})
        assert r.json() == {"texts": ["twice", "twice"], "method": "PUT", "ua": "t"}, r


def test_console_goes_to_log():
    with server() as s:
        r = s.get("/console", host=HOST)
        assert r.status == 200 and r.text == "logged", r
        line = s.wait_log(lambda o: o.get("app") == "api" and
                          "console-marker" in o.get("msg", ""), what="console.log line")
        assert '{"a":1}' in line["msg"], line
        line = s.wait_log(lambda o: o.get("app") == "api" and
                          "console-error-marker" in o.get("msg", ""), what="console.error line")
        assert line.get("level") == "error", line
        assert "console-marker" not in s.stderr_text(), "console output went to stdout/stderr"
