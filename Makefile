# nanod. `make` builds build/nanod (release); `make test` builds the
# ASan+UBSan variant and runs every test; `make run` serves etc/apps.ini.
# Dependencies are Debian packages (scripts/install-deps installs them).

MODE    ?= release
B       := build/$(MODE)
CC      ?= cc
PKGS    := libevent libcurl libcrypto libidn2 zlib sqlite3 libpcre2-32 hiredis
DUK_SRC := /usr/share/duktape
LLHTTP_SRC := /usr/share/llhttp
LLHTTP_INC := /usr/share/include/llhttp
# the strict generated parser (see the llhttp rule below)
LLHTTP_FLAGS := -DLLHTTP_STRICT_MODE=1

WARN    := -Wall -Wextra -Werror -Wno-unused-parameter -Wno-format-truncation -Wshadow -Wstrict-prototypes
BASEFLAGS := -std=gnu11 -g -D_GNU_SOURCE -I. -Ibuild/duk -I$(LLHTTP_INC) $(LLHTTP_FLAGS) -MMD -MP
ifeq ($(MODE),asan)
OPT     := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDSAN   := -fsanitize=address,undefined
else
OPT     := -O2
LDSAN   :=
endif
CFLAGS_ALL := $(BASEFLAGS) $(OPT) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm

SRCS    := $(wildcard common/*.c supervisor/*.c worker/*.c worker/js/*.c)
LIBSRCS := $(filter-out supervisor/main.c,$(SRCS))
OBJS    := $(LIBSRCS:%.c=$(B)/%.o)
DUK_OBJ := $(B)/duk/duktape.o
LLHTTP_OBJS := $(B)/llhttp/llhttp.o $(B)/llhttp/api.o $(B)/llhttp/http.o
GEN_OBJ := $(B)/gen/bootstrap.o $(B)/gen/bootstrap_lazy.o
LIB     := $(B)/libnd.a
# The engine alone (common/ + worker/js/ + Duktape + the bootstrap): what a
# program that runs heaps without the worker links (tests/js, js-hot-path,
# heap-cost). It has nothing of worker/*.c, so an engine call past its host
# ops table (worker/js/host.h) fails their link.
JS_OBJS := $(filter $(B)/common/% $(B)/worker/js/%,$(OBJS))
JSLIB   := $(B)/libnd_js.a
BIN     := $(B)/nanod
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
BOOT_JS := $(sort $(wildcard worker/js/bootstrap/*.js))
LAZY_JS := $(sort $(wildcard worker/js/bootstrap/lazy/*.js worker/js/bootstrap/lazy/generated/*.js))

.PHONY: all asan test run deps test-deps unit clean check bench
all: $(BIN) $(UNIT_BINS) $(B)/js-hot-path $(B)/tests/test_js_conformance $(B)/first-request
ifeq ($(MODE),release)
all: build/nanod
build/nanod: $(BIN)
	ln -sf release/nanod $@
endif

# --- Duktape: Debian's sources, our config (worker/js/duk_overrides.h) ---
build/duk/duk_config.h: $(DUK_SRC)/duk_config.h worker/js/duk_overrides.h
	@mkdir -p build/duk
	sed 's|^/\* __OVERRIDE_DEFINES__ \*/|#include "worker/js/duk_overrides.h"|' $< > $@.tmp
	grep -q 'worker/js/duk_overrides.h' $@.tmp
	mv $@.tmp $@
build/duk/duktape.h: $(DUK_SRC)/duktape.h
	@mkdir -p build/duk
	cp $< $@
# Patches to our copy of duktape.c:
# - regex backtracking is not interrupted by the exec-timeout hook: every
#   64k steps it now asks ND_REGEX_STEP_CHECK (the request's CPU deadline),
#   and the hard step cap is 1e8 (~1 s) instead of 1e9 (~12 s) for heaps
#   without a deadline;
# - eval() and new Function() ask ND_CODEGEN_CHECK (duk_overrides.h) first:
#   allowed while an app's script loads, refused at request time;
# - worker/js/duk_append.inc adds nd_duk_poke_interrupt() (CPU watchdog).
# - worker/js/duk_profile.inc adds nd_duk_profile_stack() (JS sampling profiler).
# - worker/js/duk_dispatch.inc: native.dispatch's objects and slot reads (bind_http.c).
# - worker/js/duk_collections.inc: key identities and hidden own properties
#   for the native Map/Set/WeakMap/WeakSet (worker/js/collections.c).
# - worker/js/duk_date.inc: Date strings as V8 writes and reads them
#   (DUK_USE_DATE_FORMAT_STRING/_PARSE_STRING in duk_overrides.h).
# - worker/js/duk-patches/*.patch: unified diffs (-p1, paths a/duktape.c
#   b/duktape.c) applied in numeric order of NN after the sed lines above; each one is
#   made against the result of the ones before it. One file per change, its
#   header comment says why (see worker/js/duk-patches/README).
# in numeric order of their NN- prefix (make's $(sort) would put 100- before 11-)
DUK_PATCHES := $(shell ls worker/js/duk-patches/*.patch | sort -V)
# the list itself is a prerequisite, so that removing a patch rebuilds too
$(shell mkdir -p build/duk; echo '$(DUK_PATCHES)' | cmp -s - build/duk/patches.list || \
        echo '$(DUK_PATCHES)' > build/duk/patches.list)
build/duk/duktape.c: $(DUK_SRC)/duktape.c Makefile worker/js/duk_append.inc worker/js/duk_profile.inc \
                     worker/js/duk_collections.inc worker/js/duk_dispatch.inc \
                     worker/js/duk_date.inc $(DUK_PATCHES) \
                     build/duk/patches.list
	@mkdir -p build/duk
	sed -e 's|^#define DUK_RE_EXECUTE_STEPS_LIMIT 1000000000L.*|#define DUK_RE_EXECUTE_STEPS_LIMIT 100000000L|' \
	    -e 's|^\(\t*\)re_ctx->steps_count++;$$|&ND_REGEX_STEP_CHECK(re_ctx->thr, re_ctx->steps_count);|' \
	    -e 's|^DUK_INTERNAL duk_ret_t duk_bi_function_constructor(duk_hthread \*thr) {$$|&ND_CODEGEN_CHECK(thr);|' \
	    -e 's|^DUK_INTERNAL duk_ret_t duk_bi_global_object_eval(duk_hthread \*thr) {$$|&ND_CODEGEN_CHECK(thr);|' \
	    $< > $@.tmp
	cd build/duk && for p in $(DUK_PATCHES:%=$(CURDIR)/%); do \
	    patch -s -p1 --no-backup-if-mismatch -r - duktape.c.tmp < $$p || \
	    { echo "duk patch $$p does not apply"; exit 1; }; done
	cat worker/js/duk_append.inc worker/js/duk_profile.inc worker/js/duk_collections.inc \
	    worker/js/duk_dispatch.inc worker/js/duk_date.inc >> $@.tmp
	grep -q 'DUK_RE_EXECUTE_STEPS_LIMIT 100000000L' $@.tmp
	test "$$(grep -c 'ND_REGEX_STEP_CHECK(re_ctx' $@.tmp)" = 1
	test "$$(grep -c 'ND_CODEGEN_CHECK(thr);' $@.tmp)" = 2
	mv $@.tmp $@
ifeq ($(MODE),release)
# Release Duktape is profile-guided (as CPython's --enable-optimizations):
# an instrumented copy runs the JS hot-path benchmark once (deterministic,
# ~5 s), then duktape.c is rebuilt with that profile. Measured: 12-15% less
# time per request in the interpreter (scripts/bench/js-hot-path). The
# profile depends only on Duktape's source and config: a bootstrap edit does
# not retrain (a stale profile is still valid, just less exact). PGO=0 skips.
PGO ?= 1
endif
ifeq ($(PGO),1)
PGO_DIR := build/pgo
DUK_CC  := $(CC) -std=gnu11 -g $(OPT) -I. -Ibuild/duk -w
$(PGO_DIR)/duktape.gcda: build/duk/duktape.c build/duk/duk_config.h build/duk/duktape.h \
                         scripts/bench/js-hot-path.c | $(JS_OBJS) $(GEN_OBJ)
	@mkdir -p $(PGO_DIR)
	rm -f $@
	$(DUK_CC) -fprofile-generate -fprofile-update=single -c $< -o $(PGO_DIR)/duktape.o
	$(CC) $(CFLAGS_ALL) -o $(PGO_DIR)/train scripts/bench/js-hot-path.c $(JS_OBJS) \
	    $(GEN_OBJ) $(PGO_DIR)/duktape.o $(LDLIBS) -fprofile-generate
	$(PGO_DIR)/train 20000 > $(PGO_DIR)/train.log 2>&1 || \
	    { cat $(PGO_DIR)/train.log; echo "PGO training run failed (PGO=0 skips it)"; exit 1; }
	test -f $@
$(DUK_OBJ): build/duk/duktape.c $(PGO_DIR)/duktape.gcda
	@mkdir -p $(dir $@)
	$(DUK_CC) -fprofile-use -fprofile-correction -c $< -o $(PGO_DIR)/duktape.o
	cp $(PGO_DIR)/duktape.o $@
else
$(DUK_OBJ): build/duk/duktape.c build/duk/duk_config.h build/duk/duktape.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -g $(OPT) -I. -Ibuild/duk -w -c $< -o $@
endif

# --- llhttp: Debian's node-llhttp C sources ---
# llhttp.c holds two generated parsers: `#if LLHTTP_STRICT_MODE` (its first
# line, before any include) selects the strict one; llhttp.h defaults the
# macro to 0, the loose one (any two bytes after chunk data pass as its CRLF).
# Every build of llhttp (here, the fuzz targets) and every includer of
# llhttp.h gets the macro (LLHTTP_FLAGS), so they agree; no lenient flag is
# ever set (worker/http.c calls no llhttp_set_lenient_*).
$(B)/llhttp/%.o: $(LLHTTP_SRC)/%.c Makefile
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -g $(OPT) $(LLHTTP_FLAGS) -I$(LLHTTP_INC) -w -c $< -o $@

# --- embedded ES5 bootstrap ---
build/gen/bootstrap.c: scripts/embed-js $(BOOT_JS)
	@mkdir -p build/gen
	sh scripts/embed-js $(BOOT_JS) > $@.tmp
	mv $@.tmp $@
# bootstrap/lazy/[generated/]*.js: loaded by a heap on first use
# (worker/js/boot_lazy.c), with the registry of what each file provides; fails
# on a file without a `provides:` line, a provided name the file never
# mentions, or more files than ND_LAZY_MAX (worker/js/bootstrap.h)
build/gen/bootstrap_lazy.c: scripts/gen-lazy worker/js/bootstrap.h $(LAZY_JS)
	@mkdir -p build/gen
	python3 scripts/gen-lazy worker/js/bootstrap.h $(LAZY_JS) > $@.tmp
	mv $@.tmp $@
$(B)/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(B)/%.o: %.c | build/duk/duktape.h build/duk/duk_config.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(WARN) -c $< -o $@

$(LIB): $(OBJS) $(DUK_OBJ) $(LLHTTP_OBJS) $(GEN_OBJ)
	rm -f $@
	ar rcs $@ $^
$(JSLIB): $(JS_OBJS) $(DUK_OBJ) $(GEN_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BIN): $(B)/supervisor/main.o $(LIB)
	$(CC) $(LDSAN) -o $@ $^ $(LDLIBS)

$(B)/tests/%: tests/unit/%.c $(LIB) tests/unit/t.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(WARN) -Wno-unused-function $(LDSAN) -o $@ $< $(LIB) $(LDLIBS)

# --- JS hot-path microbenchmark (scripts/bench/js-hot-path): a real heap
# with its own host ops, so that nothing is written to a socket.
$(B)/js-hot-path: scripts/bench/js-hot-path.c $(JSLIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(WARN) $(LDSAN) -o $@ $< $(JSLIB) $(LDLIBS)

# --- tests/js: the bootstrap's classes in a real heap (conformance vectors) ---
# Linked with the whole engine archive: every object of worker/js/ must link
# without worker/*.c (the engine boundary, worker/js/host.h).
$(B)/tests/test_js_conformance: tests/js/runner.c $(JSLIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(WARN) $(LDSAN) -o $@ $< -Wl,--whole-archive $(JSLIB) \
	    -Wl,--no-whole-archive $(LDLIBS)

# --- fuzzing (issue 11): libFuzzer targets in tests/fuzz/, seed corpora in
# tests/fuzz/corpus/. `make fuzz` builds them with clang; `make fuzz-run
# FUZZ_SECONDS=600` runs each. make test replays every corpus entry once.
FUZZ_SECONDS ?= 600
FUZZ_FLAGS := -std=gnu11 -g -O1 -D_GNU_SOURCE -I. -I$(LLHTTP_INC) $(LLHTTP_FLAGS) \
              -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
.PHONY: fuzz fuzz-run
fuzz: build/fuzz/fuzz_http build/fuzz/fuzz_config
build/fuzz/fuzz_http: tests/fuzz/fuzz_http.c worker/http.c worker/http.h common/log.c common/sys.c \
                      common/realip.c common/buf.c common/config.c common/parse.c \
                      common/manifest.c common/redis_url.c Makefile
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_http.c common/log.c common/sys.c common/realip.c \
	    common/buf.c \
	    common/config.c common/parse.c common/manifest.c common/redis_url.c common/cron.c \
	    common/err.c $(LLHTTP_SRC)/llhttp.c $(LLHTTP_SRC)/api.c $(LLHTTP_SRC)/http.c -levent
build/fuzz/fuzz_config: tests/fuzz/fuzz_config.c common/config.c common/config.h common/err.c \
                        common/cron.c common/buf.c common/parse.c common/manifest.c \
                        common/redis_url.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_config.c common/config.c common/err.c \
	    common/parse.c common/manifest.c common/redis_url.c \
	    common/cron.c common/sys.c common/log.c common/buf.c
fuzz-run: fuzz
	@for t in http config; do \
	    mkdir -p build/fuzz/corpus-$$t; \
	    build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 \
	        -artifact_prefix=build/fuzz/crash-$$t- build/fuzz/corpus-$$t tests/fuzz/corpus/$$t \
	        2>&1 | tail -n 3; \
	done

# Corpus replay as unit tests (test_fuzz_*), in the normal build.
all: $(B)/tests/test_fuzz_http $(B)/tests/test_fuzz_config
$(B)/tests/test_fuzz_http: tests/fuzz/fuzz_http.c tests/fuzz/driver.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(WARN) -Wno-unused-function -DND_CORPUS='"tests/fuzz/corpus/http"' \
	    $(LDSAN) -o $@ tests/fuzz/fuzz_http.c tests/fuzz/driver.c $(LIB) $(LDLIBS)
$(B)/tests/test_fuzz_config: tests/fuzz/fuzz_config.c tests/fuzz/driver.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(WARN) -Wno-unused-function -DND_CORPUS='"tests/fuzz/corpus/config"' \
	    $(LDSAN) -o $@ tests/fuzz/fuzz_config.c tests/fuzz/driver.c $(LIB) $(LDLIBS)

asan:
	$(MAKE) MODE=asan all

deps:
	sh scripts/install-deps

test-deps:
	sh scripts/install-deps --test

test: test-deps
	$(MAKE) MODE=asan all
	sh scripts/checksrc.sh
	sh scripts/run-tests build/asan

# make run CONF=my/apps.ini serves another config; PORT=9090 serves it on
# 127.0.0.1:9090 instead of its listen line (a copy beside it, .nanod-run.ini,
# so that its relative paths still hold).
RUN_CONF = $(or $(CONF),etc/apps.ini)
run: deps
	$(MAKE) MODE=release all
	@if [ -n "$(PORT)" ]; then \
	    run_ini="$(dir $(RUN_CONF)).nanod-run.ini"; \
	    sed 's|^listen *=.*|listen = 127.0.0.1:$(PORT)|' "$(RUN_CONF)" > "$$run_ini" && \
	    echo "serving $(RUN_CONF) on 127.0.0.1:$(PORT) ($$run_ini)" && \
	    build/nanod -c "$$run_ini"; \
	else build/nanod -c "$(RUN_CONF)"; fi

check:
	sh scripts/checksrc.sh

# Modern JS / TypeScript app -> one ES5 file (scripts/nanod-build; needs Node.js):
#   make app-build SRC=src/index.ts OUT=apps/x.js    or    make app-build CONF=apps.ini
.PHONY: app-build
app-build:
	@if [ -n "$(CONF)" ]; then scripts/nanod-build -c "$(CONF)"; \
	 elif [ -n "$(SRC)" ] && [ -n "$(OUT)" ]; then scripts/nanod-build "$(SRC)" "$(OUT)"; \
	 else echo "usage: make app-build SRC=entry.ts OUT=app.js | CONF=apps.ini" >&2; exit 2; fi

# scripts/bench/run: nanod against nginx, njs, Node, workerd (peers from
# scripts/bench/setup); ~6 min, Markdown table + bench-results/run-*.json.
bench:
	$(MAKE) MODE=release build/release/nanod
	python3 scripts/bench/run

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)

# --- install: PREFIX (binary, unit, man page, docs), DESTDIR (staging root);
# INSTALL_BIN: the binary to install (default: the release build). /etc and
# /var stay where the FHS puts them, under DESTDIR. An existing
# /etc/nanod/apps.ini is never overwritten; a fresh one logs to
# /var/log/nanod/error.log (the file etc/logrotate.d/nanod rotates).
PREFIX      ?= /usr/local
INSTALL_BIN ?= build/release/nanod
.PHONY: install
install: $(INSTALL_BIN)
	install -D -m 0755 $(INSTALL_BIN) $(DESTDIR)$(PREFIX)/sbin/nanod
	install -D -m 0755 etc/init.d/nanod $(DESTDIR)/etc/init.d/nanod
	install -D -m 0644 etc/logrotate.d/nanod $(DESTDIR)/etc/logrotate.d/nanod
	install -D -m 0644 etc/nanod.service $(DESTDIR)$(PREFIX)/lib/systemd/system/nanod.service
	install -D -m 0644 etc/nanod.8 $(DESTDIR)$(PREFIX)/share/man/man8/nanod.8
	install -D -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/nanod/README.md
	install -D -m 0644 etc/CONFIG.md $(DESTDIR)$(PREFIX)/share/doc/nanod/CONFIG.md
	install -d -m 0750 $(DESTDIR)/var/log/nanod
	install -d -m 0700 $(DESTDIR)/var/lib/nanod
	if [ ! -e $(DESTDIR)/etc/nanod/apps.ini ]; then \
	    install -D -m 0644 etc/apps.ini $(DESTDIR)/etc/nanod/apps.ini && \
	    sed -i 's|^error_log = stderr|error_log = /var/log/nanod/error.log|; s|^state_dir = .*|state_dir = /var/lib/nanod|' \
	        $(DESTDIR)/etc/nanod/apps.ini && \
	    install -D -m 0644 etc/apps/hello.js $(DESTDIR)/etc/nanod/apps/hello.js; \
	fi
	sed -i 's|/usr/local|$(PREFIX)|g' $(DESTDIR)/etc/init.d/nanod \
	    $(DESTDIR)$(PREFIX)/lib/systemd/system/nanod.service

# --- tools/heap-cost.c: per-heap cost of the bootstrap and of a snippet run
# in each heap (RSS, allocator bytes, time). `make heap-cost` builds the
# release one; run build/release/heap-cost [-n N] SNIPPET...
.PHONY: heap-cost
heap-cost:
	$(MAKE) MODE=release build/release/heap-cost
$(B)/heap-cost: tools/heap-cost.c $(JSLIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(WARN) $(LDSAN) -o $@ $< $(JSLIB) $(LDLIBS)

# --- scripts/bench/first-request.c: where a freshly loaded app's first
# request goes (heap, code from source or bytecode, top level, request)
$(B)/first-request: scripts/bench/first-request.c $(JSLIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(WARN) $(LDSAN) -o $@ $< $(JSLIB) $(LDLIBS)
