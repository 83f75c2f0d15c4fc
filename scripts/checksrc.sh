#!/bin/sh
# checksrc.sh: house rules the compiler does not check (STYLE.md section 3).
#  - banned calls: sprintf strcpy strcat atoi system alloca
#  - module boundaries: common/ uses no libevent/curl/Duktape/llhttp;
#    supervisor/ sees only worker/worker.h of worker/; worker/ never sees supervisor/;
#    worker/js/ (the engine) includes no worker-level header: what it needs from
#    above goes through its host ops table (worker/js/host.h)
set -u
cd "$(dirname "$0")/.." || exit 1
bad=0
for f in $(git ls-files '*.c' '*.h' 2>/dev/null || find common supervisor worker tests -name '*.[ch]'); do
    if grep -nE '(^|[^a-z_])(sprintf|strcpy|strcat|atoi|system|alloca)[[:space:]]*\(' "$f" \
        | grep -vE '(snprintf|vsnprintf)' | grep -v '^\s*[0-9]*:\s*/\*' ; then
        echo "$f: banned function (use snprintf, memcpy with lengths, strtol)" >&2
        bad=1
    fi
done
for f in common/*.[ch]; do
    if grep -nE '#include [<"](event2/|curl/|duktape|llhttp)' "$f"; then
        echo "$f: common/ must use libc only" >&2
        bad=1
    fi
done
for f in supervisor/*.[ch]; do
    if grep -nE '#include "worker/' "$f" | grep -v '"worker/worker.h"'; then
        echo "$f: supervisor/ may include only worker/worker.h" >&2
        bad=1
    fi
done
for f in $(find worker -name '*.[ch]'); do
    if grep -nE '#include "supervisor/' "$f"; then
        echo "$f: worker/ never includes supervisor/" >&2
        bad=1
    fi
done
for f in $(find worker/js -name '*.[ch]' -o -name '*.inc'); do
    if grep -nE '#[[:space:]]*include[[:space:]]*"worker/[^/"]*"' "$f"; then
        echo "$f: worker/js/ includes no worker/*.h (call up through worker/js/host.h)" >&2
        bad=1
    fi
done
[ $bad -eq 0 ] && echo "checksrc: ok"
exit $bad
