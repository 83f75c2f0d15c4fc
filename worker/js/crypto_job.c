/*
 * The crypto job thread (see crypto_job.h), also the job thread of other
 * modules' blocking work (nd_job_submit: SQLite for KV bindings). One thread per worker process,
 * started by the first queued job; a mutex-protected queue to it and a done
 * list back, and a pipe whose read end is an event on the worker's loop.
 *
 *   native.cryptoJob -> job (inputs copied) -> queue -> thread runs it,
 *   measuring its own CPU clock, polling keep_going() (cancelled? budget
 *   used up?) -> done list + a byte on the pipe -> on_wake on the loop ->
 *   the CPU is charged to the request -> lib.cryptoDone via the host's enter
 *   (nd_app_enter). Everything about the app goes through the heap's host
 *   (worker/js/host.h).
 *
 * A job is an nd_app_res of its invocation: when the heap is discarded or the
 * request times out, cancel() marks it cancelled (the thread stops at its
 * next poll) and its result is dropped when it comes back. Each queued job
 * holds the worker (a drain waits for it; the budget bounds the wait).
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "common/sys.h"
#include "worker/js/crypto_job.h"
#include "worker/js/heap.h"

#define INLINE_WORK 2048    /* PBKDF2 HMAC calls done inline (~1 ms at most) */
#define MAX_OUT (1u << 20)  /* bytes a PBKDF2 may derive */

enum { OP_PBKDF2, OP_RSA, OP_RSA_PRIVATE, OP_EXTERN };

struct job {
    struct nd_app_res  res;         /* in app->res while JS waits for it */
    struct nd_app     *app;         /* borrowed: apps live as long as the worker */
    const struct nd_js_host *host;  /* borrowed (static): app's host */
    double             id;          /* JS-visible, per heap */
    double             io;          /* the invocation */
    int                op;
    char               hash[16];
    unsigned char     *in1, *in2;   /* owned: password and salt; -, exponent; key, data */
    unsigned char     *in3;         /* owned: OAEP label (OP_RSA_PRIVATE) */
    size_t             in1_len, in2_len, in3_len;
    int                rsa_op;      /* ND_RSA_* */
    int                salt;        /* RSA-PSS saltLength */
    uint32_t           iter;
    size_t             olen;        /* PBKDF2 bytes */
    unsigned           bits;        /* RSA modulus bits */
    unsigned char     *out, *out2;  /* owned: results */
    size_t             out_len, out2_len;
    int                rc;
    int                over;        /* stopped: the CPU budget was used up (thread) */
    int                cancelled;   /* atomic: nobody waits any more (loop sets it) */
    int64_t            budget_us;   /* thread CPU allowed; 0 = unlimited */
    int64_t            t0_us;       /* thread CPU clock at start (thread only) */
    int64_t            cpu_us;      /* thread CPU used (thread, then loop) */
    const struct nd_job_ops *ops;   /* OP_EXTERN: borrowed (static) */
    void              *arg;         /* OP_EXTERN: owned, freed by ops->free */
    struct job        *next;
};

/* GLOBAL: the worker's job thread and its queues (one per process, started
 * after fork by the first job). q and done are shared under mu. */
static struct {
    int               started;
    pthread_t         thr;
    pthread_mutex_t   mu;
    pthread_cond_t    cv;
    struct job       *q_head, *q_tail;      /* to the thread */
    struct job       *done;                 /* back to the loop (any order) */
    int               fds[2];               /* wake-up pipe: thread -> loop */
    struct event     *ev;                   /* owned: fds[0] on the worker's base */
} g_pool = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER,
             .fds = { -1, -1 } };

static void
job_free(struct job *j)
{
    if (j->op == OP_EXTERN) {
        j->ops->free(j->arg);
    }
    if (j->in1 != NULL) {
        OPENSSL_cleanse(j->in1, j->in1_len);
        free(j->in1);
    }
    free(j->in2);
    free(j->in3);
    if (j->out != NULL) {
        OPENSSL_cleanse(j->out, j->out_len);
        free(j->out);
    }
    if (j->out2 != NULL) {
        OPENSSL_cleanse(j->out2, j->out2_len);
        free(j->out2);
    }
    free(j);
}

/* Thread side: 0 stops the work. */
static int
keep_going(void *arg)
{
    struct job *j = arg;

    if (__atomic_load_n(&j->cancelled, __ATOMIC_RELAXED)) {
        return 0;
    }
    if (j->budget_us > 0 && nd_sys_cpu_us() - j->t0_us > j->budget_us) {
        j->over = 1;
        return 0;
    }
    return 1;
}

/* Runs j (thread or inline). */
static void
job_run(struct job *j)
{
    j->t0_us = nd_sys_cpu_us();
    if (j->op == OP_EXTERN) {
        j->ops->run(j->arg, keep_going, j);
    } else if (j->op == OP_PBKDF2) {
        j->out = malloc(j->olen > 0 ? j->olen : 1);
        j->out_len = j->olen;
        j->rc = j->out == NULL ? -1
            : nd_crypto_pbkdf2(j->hash, j->in1, j->in1_len, j->in2, j->in2_len, j->iter,
                               j->out, j->olen, keep_going, j);
    } else if (j->op == OP_RSA_PRIVATE) {
        j->rc = nd_crypto_rsa_private(j->rsa_op, j->hash, j->salt, j->in1, j->in1_len, j->in2,
                                      j->in2_len, j->in3, j->in3_len, &j->out, &j->out_len);
    } else {
        j->rc = nd_crypto_rsa_generate(j->bits, j->in2, j->in2_len, &j->out, &j->out_len,
                                       &j->out2, &j->out2_len, keep_going, j);
    }
    j->cpu_us = nd_sys_cpu_us() - j->t0_us;
}

static void *
thread_main(void *arg)
{
    struct job *j;
    char        c = 1;

    for (;;) {
        pthread_mutex_lock(&g_pool.mu);
        while (g_pool.q_head == NULL) {
            pthread_cond_wait(&g_pool.cv, &g_pool.mu);
        }
        j = g_pool.q_head;
        g_pool.q_head = j->next;
        if (g_pool.q_head == NULL) {
            g_pool.q_tail = NULL;
        }
        pthread_mutex_unlock(&g_pool.mu);

        if (!__atomic_load_n(&j->cancelled, __ATOMIC_RELAXED)) {
            job_run(j);
        }
        pthread_mutex_lock(&g_pool.mu);
        j->next = g_pool.done;
        g_pool.done = j;
        pthread_mutex_unlock(&g_pool.mu);
        while (write(g_pool.fds[1], &c, 1) == -1 && errno == EINTR) {
        }
    }
    return NULL;
}

/* -> [ ... result ] of a successful job (may throw: out of memory). */
static void
push_result(duk_context *ctx, struct job *j)
{
    if (j->op != OP_RSA) {
        void *p = duk_push_fixed_buffer(ctx, j->out_len);
        if (j->out_len > 0) {
            memcpy(p, j->out, j->out_len);
        }
        duk_push_buffer_object(ctx, -1, 0, j->out_len, DUK_BUFOBJ_ARRAYBUFFER);
        duk_remove(ctx, -2);
        return;
    }
    duk_push_array(ctx);
    memcpy(duk_push_fixed_buffer(ctx, j->out_len), j->out, j->out_len);
    duk_push_buffer_object(ctx, -1, 0, j->out_len, DUK_BUFOBJ_ARRAYBUFFER);
    duk_remove(ctx, -2);
    duk_put_prop_index(ctx, -2, 0);
    memcpy(duk_push_fixed_buffer(ctx, j->out2_len), j->out2, j->out2_len);
    duk_push_buffer_object(ctx, -1, 0, j->out2_len, DUK_BUFOBJ_ARRAYBUFFER);
    duk_remove(ctx, -2);
    duk_put_prop_index(ctx, -2, 1);
}

static const char *
job_error(struct job *j)
{
    if (j->op == OP_EXTERN) {
        return j->over ? "Error|cpu_limit exceeded" : NULL;
    }
    if (j->rc == 0) {
        return NULL;
    }
    if (j->over) {
        return j->op == OP_PBKDF2 ? "OperationError|PBKDF2: cpu_limit exceeded"
                                  : "OperationError|RSA key generation: cpu_limit exceeded";
    }
    if (j->op == OP_RSA_PRIVATE) {
        return j->rsa_op == ND_RSA_OAEP_DECRYPT ? "OperationError|RSA-OAEP decryption failed"
            : "OperationError|signing failed (key too small for the hash and salt?)";
    }
    return j->op == OP_PBKDF2 ? "OperationError|PBKDF2 failed"
                              : "OperationError|RSA key generation failed (bad exponent?)";
}

/* duk_safe_call body: [ ] -> [ id err result ]. */
static duk_ret_t
push_done_args(duk_context *ctx, void *udata)
{
    struct job *j = udata;
    const char *err = job_error(j);

    duk_push_number(ctx, j->id);
    if (j->op == OP_EXTERN && err == NULL) {
        j->ops->push(ctx, j->arg);
        return 3;
    }
    if (err != NULL) {
        duk_push_string(ctx, err);
        duk_push_undefined(ctx);
    } else {
        duk_push_undefined(ctx);
        push_result(ctx, j);
    }
    return 3;
}

/* Loop side: the job is back; settle its promise (if anyone waits). */
static void
job_settle(struct job *j)
{
    struct nd_app           *app = j->app;
    const struct nd_js_host *h = j->host;
    struct nd_js            *js = h->heap(app);
    duk_context             *ctx;

    if (js == NULL || !h->io_live(app, j->io)) {
        return;
    }
    if (h->charge(app, j->io, j->cpu_us, j->over) == -1) {
        return;                 /* cpu_limit: the request got 503, the heap is gone */
    }
    if (nd_js_push_lib_fn(js, j->op == OP_EXTERN ? j->ops->done : "cryptoDone") == -1) {
        return;
    }
    ctx = js->ctx;
    if (duk_safe_call(ctx, push_done_args, j, 0, 3) != DUK_EXEC_SUCCESS) {
        duk_pop_n(ctx, 3);
        j->rc = -1;             /* the result does not fit the memory_limit */
        j->over = 0;
        duk_push_number(ctx, j->id);
        duk_push_string(ctx, "OperationError|the result does not fit in memory_limit");
        duk_push_undefined(ctx);
    }
    h->enter(app, j->io, 3);
    h->io_release(app, j->io);
}

static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
    struct job *list, *j;
    char        buf[64];

    while (read(fd, buf, sizeof(buf)) > 0) {
    }
    pthread_mutex_lock(&g_pool.mu);
    list = g_pool.done;
    g_pool.done = NULL;
    pthread_mutex_unlock(&g_pool.mu);
    while ((j = list) != NULL) {
        struct nd_app           *app = j->app;
        const struct nd_js_host *h = j->host;

        list = j->next;
        if (!j->cancelled) {
            h->res_remove(app, &j->res);
            job_settle(j);
        }
        job_free(j);
        h->release(app);
    }
}

/* The heap was discarded or the request timed out: nobody waits. */
static void
job_cancel(struct nd_app_res *res)
{
    struct job *j = (struct job *) res;

    __atomic_store_n(&j->cancelled, 1, __ATOMIC_RELAXED);
    j->host->res_remove(j->app, res);
}

/* Starts the thread on the loop of j's app. 0 or -1. */
static int
pool_start(const struct job *j)
{
    sigset_t all, old;
    int      rc;

    if (g_pool.started) {
        return 0;
    }
    if (pipe2(g_pool.fds, O_NONBLOCK | O_CLOEXEC) == -1) {
        return -1;
    }
    g_pool.ev = event_new(j->host->base(j->app), g_pool.fds[0], EV_READ | EV_PERSIST, on_wake,
                          NULL);
    if (g_pool.ev == NULL || event_add(g_pool.ev, NULL) == -1) {
        goto fail;
    }
    /* The thread takes no signal (SIGPROF of the CPU watchdog, SIGTERM...). */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&g_pool.thr, NULL, thread_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        goto fail;
    }
    g_pool.started = 1;
    return 0;
fail:
    if (g_pool.ev != NULL) {
        event_free(g_pool.ev);
        g_pool.ev = NULL;
    }
    close(g_pool.fds[0]);
    close(g_pool.fds[1]);
    g_pool.fds[0] = g_pool.fds[1] = -1;
    return -1;
}

static int enqueue(struct nd_js *js, struct job *j);

/* A malloc'd copy of the buffer at idx (never NULL on success). */
static unsigned char *
copy_at(duk_context *ctx, duk_idx_t idx, size_t *len)
{
    duk_size_t     n = 0;
    const void    *p = duk_get_buffer_data(ctx, idx, &n);
    unsigned char *c = malloc(n > 0 ? n : 1);

    if (c != NULL && n > 0) {
        memcpy(c, p, n);
    }
    *len = n;
    return c;
}

duk_ret_t
nd_crypto_job_native(duk_context *ctx)
{
    struct nd_js  *js = nd_js_of(ctx);
    struct nd_app *app = js->owner;
    const char    *op = duk_require_string(ctx, 2);
    struct job    *j;
    const char    *hash = NULL, *err;
    double         iter = 0, olen = 0, bits = 0;
    int            inline_run, kind = OP_PBKDF2, i;

    duk_set_top(ctx, 4);
    duk_require_object(ctx, 3);
    for (i = 0; i < 6; i++) {
        duk_get_prop_index(ctx, 3, (duk_uarridx_t) i);  /* -> [ ... a0 .. a5 ] */
    }
    if (strcmp(op, "rsaPrivate") == 0) {
        kind = OP_RSA_PRIVATE;
        hash = duk_require_string(ctx, 5);
        duk_require_buffer_data(ctx, 7, NULL);
        duk_require_buffer_data(ctx, 8, NULL);
        if (strlen(hash) >= sizeof(j->hash)) {
            return duk_error(ctx, DUK_ERR_ERROR, "NotSupportedError|unsupported hash");
        }
        inline_run = app == NULL;
    } else if (strcmp(op, "pbkdf2") == 0) {
        hash = duk_require_string(ctx, 4);
        duk_require_buffer_data(ctx, 5, NULL);
        duk_require_buffer_data(ctx, 6, NULL);
        iter = duk_require_number(ctx, 7);
        olen = duk_require_number(ctx, 8);
        if (strlen(hash) >= sizeof(j->hash) || !(iter >= 1 && iter <= 4294967295.0)
            || !(olen >= 0 && olen <= MAX_OUT)) {
            return duk_error(ctx, DUK_ERR_ERROR, "OperationError|PBKDF2: iterations must be "
                             "1..2^32-1 and the length at most %u bits", MAX_OUT * 8);
        }
        inline_run = app == NULL || iter * (olen / 20 + 1) <= INLINE_WORK;
    } else if (strcmp(op, "rsa") == 0) {
        bits = duk_require_number(ctx, 4);
        duk_require_buffer_data(ctx, 5, NULL);
        if (!(bits >= 512 && bits <= 16384)) {
            return duk_error(ctx, DUK_ERR_ERROR, "OperationError|RSA modulusLength must be "
                             "512..16384");
        }
        kind = OP_RSA;
        inline_run = app == NULL;
    } else {
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "cryptoJob: unknown op %s", op);
    }

    /* No Duktape call may throw from here until the job is queued or freed. */
    j = calloc(1, sizeof(*j));
    if (j == NULL) {
        return duk_error(ctx, DUK_ERR_ERROR, "OperationError|out of memory");
    }
    j->app = app;
    j->host = js->host;
    j->id = duk_get_number(ctx, 0);
    j->io = duk_get_number(ctx, 1);
    j->op = kind;
    if (kind == OP_RSA_PRIVATE) {
        j->rsa_op = duk_get_int(ctx, 4);
        memcpy(j->hash, hash, strlen(hash) + 1);
        j->salt = duk_get_int(ctx, 6);
        j->in1 = copy_at(ctx, 7, &j->in1_len);
        j->in2 = copy_at(ctx, 8, &j->in2_len);
        j->in3 = copy_at(ctx, 9, &j->in3_len);
    } else if (kind == OP_PBKDF2) {
        memcpy(j->hash, hash, strlen(hash) + 1);
        j->in1 = copy_at(ctx, 5, &j->in1_len);
        j->in2 = copy_at(ctx, 6, &j->in2_len);
        j->iter = (uint32_t) iter;
        j->olen = (size_t) olen;
    } else {
        j->bits = (unsigned) bits;
        j->in2 = copy_at(ctx, 5, &j->in2_len);
    }
    if (j->in2 == NULL || (j->op != OP_RSA && j->in1 == NULL)
        || (j->op == OP_RSA_PRIVATE && j->in3 == NULL)) {
        job_free(j);
        return duk_error(ctx, DUK_ERR_ERROR, "OperationError|out of memory");
    }
    if (inline_run) {
        /* Runs on the loop under the current call's deadline (checked when
         * this native returns); RSA without an app: tests only. */
        job_run(j);
        err = job_error(j);
        if (err != NULL) {
            job_free(j);
            return duk_error(ctx, DUK_ERR_ERROR, "%s", err);
        }
        if (duk_safe_call(ctx, push_done_args, j, 0, 3) != DUK_EXEC_SUCCESS) {
            duk_pop_2(ctx);     /* -> [ ... error ] */
            job_free(j);
            return duk_throw(ctx);
        }
        job_free(j);
        return 1;               /* the result, on top */
    }
    if (enqueue(js, j) == -1) {
        return duk_error(ctx, DUK_ERR_ERROR, "OperationError|cannot start the crypto thread");
    }
    return 0;
}

/* Queues j for the thread (j freed on failure). 0 or -1. */
static int
enqueue(struct nd_js *js, struct job *j)
{
    struct nd_app           *app = j->app;
    const struct nd_js_host *h = j->host;

    if (js->budget_us > 0) {
        j->budget_us = js->budget_us - (nd_sys_cpu_us() - js->t0_cpu_us);
        if (j->budget_us < 1000) {
            j->budget_us = 1000;
        }
    }
    if (pool_start(j) == -1) {
        job_free(j);
        return -1;
    }
    j->res.cancel = job_cancel;
    j->res.rq_id = j->io;
    h->res_add(app, &j->res);
    h->hold(app);
    pthread_mutex_lock(&g_pool.mu);
    if (g_pool.q_tail != NULL) {
        g_pool.q_tail->next = j;
    } else {
        g_pool.q_head = j;
    }
    g_pool.q_tail = j;
    pthread_cond_signal(&g_pool.cv);
    pthread_mutex_unlock(&g_pool.mu);
    return 0;
}

int
nd_job_submit(duk_context *ctx, double id, double io, const struct nd_job_ops *ops, void *arg)
{
    struct nd_js  *js = nd_js_of(ctx);
    struct nd_app *app = js->owner;
    struct job    *j = calloc(1, sizeof(*j));

    if (j == NULL) {
        ops->free(arg);
        return -1;
    }
    j->op = OP_EXTERN;
    j->ops = ops;
    j->arg = arg;
    j->app = app;
    j->host = js->host;
    j->id = id;
    j->io = io;
    if (app == NULL) {
        ops->run(arg, NULL, NULL);  /* the caller pushes the result (tests/js) */
        j->arg = NULL;
        free(j);
        return 1;
    }
    return enqueue(js, j);
}
