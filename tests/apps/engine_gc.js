// A heap whose full collection takes longer than a small cpu_limit (issue 15
// item 4): a big live graph, built while the script loads.
var live = [];
for (var i = 0; i < 150000; i++) {
    live.push({ a: i, b: [i], c: { d: i } });
}

// More than Duktape's 256k bytecode instructions between two deadline
// checks: a request that spins after its collection is checked after it,
// whatever the CPU watchdog's 10 ms tick happened to see during it.
function spin() {
    var x = 0;
    for (var i = 0; i < 70000; i++) {
        x += i;
    }
    return x;
}

module.exports = {
    fetch: function (request) {
        var u = request.url, p = u.substring(u.indexOf("/", 8));
        if (p === "/gc") {
            // The collection that voluntary GC would start at some request:
            // garbage of earlier requests, not this one's doing.
            Duktape.gc();
            spin();
            return new Response("collected " + live.length);
        }
        if (p === "/spin") {
            return new Response("spun " + spin());
        }
        if (p === "/gcloop") {
            // Keeping the collector busy is the app's doing: still stopped.
            for (;;) {
                Duktape.gc();
            }
        }
        return new Response("ok " + live.length);
    }
};
