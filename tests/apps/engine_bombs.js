// Built-ins whose one call runs far longer than cpu_limit (issue 15 item 5).
var sortable = [];
for (var i = 0; i < 100000; i++) {
    sortable.push((i * 7919) % 1000003);
}
var json = "[" + "0,".repeat(1e6) + "0]";
var bombs = {
    "/join": function () { return new Array(4e6).join("abcdef").length; },
    "/indexOf": function () { return "a".repeat(2e6).indexOf("a".repeat(1e6) + "b"); },
    "/includes": function () { return "a".repeat(2e6).includes("a".repeat(1e6) + "b"); },
    "/lastIndexOf": function () { return "a".repeat(2e6).lastIndexOf("a".repeat(1e6) + "b"); },
    "/split": function () { return "a".repeat(2e6).split("a".repeat(1e6) + "b").length; },
    "/replace": function () { return "a".repeat(2e6).replace("a".repeat(1e6) + "b", "x").length; },
    "/sort": function () { return sortable.sort()[0]; },
    "/forEach": function () { var n = 0; new Array(2e9).forEach(function () { n++; }); return n; },
    "/arrayIndexOf": function () { return Array.prototype.indexOf.call({ length: 2e9 }, 1); },
    "/stringify": function () { return JSON.stringify(new Array(2e7)).length; },
    "/parse": function () { return JSON.parse(json).length; },
    // catches every RangeError and goes on: cut off after the grace period
    "/catchjoin": function () {
        for (;;) { try { new Array(4e6).join("abcdef"); } catch (e) {} }
    }
};

module.exports = {
    fetch: function (request) {
        var u = request.url, p = u.substring(u.indexOf("/", 8)), q = p.indexOf("?");
        if (q >= 0) {
            p = p.substring(0, q);
        }
        if (bombs[p]) {
            return new Response(String(bombs[p]()));
        }
        return new Response("ok");
    }
};
