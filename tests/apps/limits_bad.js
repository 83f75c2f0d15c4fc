// A tenant that misbehaves on demand; keeps a counter in global state so
// tests can see when its heap was rebuilt.
var count = 0;
var loadEval;                       // refused while the script loads too
try { loadEval = eval("40 + 2"); } catch (e) { loadEval = e.name; }
module.exports = {
    fetch: function (request) {
        var u = request.url, p = u.substring(u.indexOf("/", 8));
        count++;
        if (p === "/loop") { while (true) {} }
        if (p === "/catchloop") { for (;;) { try { for (;;) {} } catch (e) {} } }
        if (p === "/bomb") { var a = [], s = "x"; while (true) { s = s + s; a.push(s); } }
        if (p === "/objs") { var o = []; while (true) { o.push({ n: o.length, l: [1, 2, 3] }); } }
        if (p === "/regex") {
            return new Response(String(/(a+)+$/.test(new Array(64).join("a") + "!")));
        }
        if (p === "/natives") {
            // Few bytecodes per iteration, much native work: only the CPU
            // watchdog stops this near cpu_limit.
            var big = new Array(200000);
            while (true) { big.join("x"); }
        }
        if (p === "/catchbomb") {
            // Swallows the allocation failure and answers as if all were well.
            var keep = [], t = "x";
            try { while (true) { t = t + t; keep.push(t); } } catch (e) { keep = null; }
            return new Response("survived");
        }
        if (p === "/throw") { throw new Error("boom"); }
        if (p === "/never") { return new Promise(function () {}); }
        if (p === "/eval") { return new Response(String(eval("2 + 2"))); }
        if (p === "/function") { return new Response(String(new Function("return 3")())); }
        if (p === "/ctor") { return new Response(String((function () {}).constructor("return 4")())); }
        return new Response("count=" + count + " load=" + loadEval);
    }
};
