"""URLPattern (lazy/generated/urlpattern.js) in a real nanod: a module-format
app routing with it as written for Workers (tests/apps/urlpattern/module.js),
and a TypeScript app built with scripts/nanod-build (tests/apps/urlpattern/src),
with a neighbour that never touches it. Expected values: the URL Pattern standard's (the same polyfill
in Node answers the same, tests/js/test_urlpattern.js)."""

import os
import shutil

import lib
from test_modern import SourceApp, need_node, nanod_build

NEIGHBOUR_JS = r"""
export default {
    fetch: function () { return new Response("hello " + typeof URLPattern); }
};
"""


def test_module_app_routes_with_urlpattern():
    apps = [lib.App("routes", file="urlpattern/module.js", hosts="routes.test"),
            lib.App("hello", source=NEIGHBOUR_JS, hosts="hello.test")]
    with lib.Nanod(apps) as s:
        h = "routes.test"
        r = s.get("/users/42", host=h)
        assert r.status == 200 and r.json() == {"user": "42"}, r
        r = s.get("/users/abc", host=h)
        assert r.status == 404 and r.text == "no route for /users/abc", r
        r = s.get("/files/a/b/c.txt", host=h)
        assert r.json() == {"file": "a/b/c.txt"}, r
        r = s.get("/docs/fr/intro", host=h)
        assert r.json() == {"lang": "fr", "page": "intro"}, r
        r = s.get("/docs/intro", host=h)
        assert r.json() == {"lang": None, "page": "intro"}, r
        r = s.get("/sEaRcH?q=x%20y", host=h)
        assert r.status == 200 and r.json() == {"q": "x y", "host": "routes.test"}, r
        # a pattern from the request: compiled, or a TypeError the app can answer
        r = s.get("/compile?p=%2Fa%2F%3Aid(%5Cd%2B)", host=h)
        assert r.status == 200 and r.json() == {"pathname": "/a/:id(\\d+)", "regexp": True}, r
        r = s.get("/compile?p=%2F(a", host=h)
        assert r.status == 400 and r.text.startswith("TypeError: "), r
        r = s.get("/compile?p=%2F(%5B)", host=h)
        assert r.status == 400 and r.text.startswith("TypeError: "), r
        r = s.get("/users/7", host=h)       # the heap is fine after those
        assert r.status == 200 and r.json() == {"user": "7"}, r
        # every heap has the global (loaded when touched)
        r = s.get("/", host="hello.test")
        assert r.status == 200 and r.text == "hello function", r


def test_built_typescript_app_routes_with_urlpattern():
    need_node()
    app = SourceApp("shop", "src/index.ts", hosts="shop.test, *.shop.test",
                    extra={"cpu_limit": "1s"})
    with lib.Nanod([app], start=False) as s:
        shutil.copytree(os.path.join(lib.APPS_DIR, "urlpattern", "src"),
                        os.path.join(s.dir, "src"))
        ini = s.write_config()
        nanod_build("-c", ini)
        s.start()
        h = "shop.test"
        r = s.get("/users/1", host=h)
        assert r.status == 200 and r.json() == {"id": "1", "name": "ada"}, r
        r = s.get("/users/3", host=h)
        assert r.status == 404 and r.json() == {"error": "no user 3"}, r
        r = s.request("POST", "/users/3", host=h, body=b'{"name":"cy"}',
                      headers={"content-type": "application/json"})
        assert r.status == 201 and r.json() == {"id": "3", "created": "cy"}, r
        r = s.get("/users/3", host=h)
        assert r.status == 200 and r.json() == {"id": "3", "name": "cy"}, r
        r = s.get("/users/x", host=h)
        assert r.status == 404 and r.json() == {"error": "not found", "path": "/users/x"}, r
        r = s.get("/files/img/logo.png", host=h)
        assert r.json() == {"path": "img/logo.png"}, r
        r = s.get("/blog/2024/05/hello", host=h)
        assert r.json() == {"year": "2024", "month": "05", "slug": "hello"}, r
        r = s.get("/blog/2024/hello", host=h)
        assert r.json() == {"year": "2024", "month": None, "slug": "hello"}, r
        r = s.get("/api/v2/items/9?full=1", host=h)
        assert r.json() == {"version": "v2", "rest": "items/9", "search": "full=1"}, r
        r = s.get("/api/v3/items", host=h)
        assert r.status == 404, r
        r = s.get("/cart", host="acme.shop.test")
        assert r.status == 200 and r.json() == {"tenant": "acme", "path": "/cart"}, r
