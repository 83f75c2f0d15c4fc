// njs module (after common.js): js_content handler, the same logic as the
// fetch handlers (njs has no Response: r.return with the same status and body).
function handle(r) {
    var url = r.variables.request_uri;
    if (pathOf(url) === "/json") {
        r.headersOut["Content-Type"] = "application/json";
        r.return(200, JSON.stringify(jsonBody(url)));
        return;
    }
    r.headersOut["Content-Type"] = "text/plain;charset=UTF-8";
    r.return(200, "Hello World");
}

export default { handle: handle };
