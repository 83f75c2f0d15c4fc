var n = 0;
module.exports = {
    fetch: function (request) {
        n++;
        return new Response("good " + n);
    }
};
