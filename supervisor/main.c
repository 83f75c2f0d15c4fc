/*
 * nanod [-c FILE] [-t] [-p PIDFILE] [-V] [-h]
 * Foreground by default: init scripts and systemd put it in the background.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/err.h"
#include "common/log.h"
#include "supervisor/supervisor.h"
#include "worker/worker.h"

#define DEFAULT_CONF "/etc/nanod/apps.ini"

static void
usage(FILE *out)
{
    fprintf(out,
            "usage: nanod [-c FILE] [-t] [-p PIDFILE] [-V] [-h]\n"
            "  -c FILE     configuration (default " DEFAULT_CONF ")\n"
            "  -t          check the configuration and compile every app, then exit\n"
            "              (0 when valid, 1 with one FILE:LINE: message per error)\n"
            "  -p PIDFILE  write the supervisor's pid here (overrides [server] pid_file)\n"
            "  -V          print versions and exit\n"
            "  -h          this help\n"
            "signals: USR2/HUP reload, QUIT graceful stop, TERM/INT fast stop, USR1 reopen logs\n");
}

/* -t: the same validation as startup and reload, printed for a human. */
static int
check_config(const char *path)
{
    struct nd_errs    errs;
    struct nd_config *conf;
    char              line[1024];
    int               i, bad;

    memset(&errs, 0, sizeof(errs));
    nd_log_open("stderr", "check");
    conf = nd_config_load(path, &errs);
    if (conf != NULL && conf->napps > 0) {
        nd_worker_check(conf, &errs, NULL);
    }
    for (i = 0; i < errs.n; i++) {
        nd_err_format(&errs.e[i], line, sizeof(line));
        fprintf(stderr, "%s\n", line);
    }
    if (errs.dropped > 0) {
        fprintf(stderr, "%s: ... and %d more errors\n", path, errs.dropped);
    }
    bad = conf == NULL || errs.n > 0;
    if (!bad) {
        fprintf(stderr, "%s: ok, %d apps\n", path, conf->napps);
    }
    nd_config_free(conf);
    return bad ? 1 : 0;
}

int
main(int argc, char **argv)
{
    const char *conf_path = DEFAULT_CONF, *pid_file = NULL;
    int         opt, test = 0;

    while ((opt = getopt(argc, argv, "c:tp:Vh")) != -1) {
        switch (opt) {
        case 'c':
            conf_path = optarg;
            break;
        case 't':
            test = 1;
            break;
        case 'p':
            pid_file = optarg;
            break;
        case 'V':
            printf("%s\n", nd_worker_versions());
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "nanod: unexpected argument \"%s\"\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (test) {
        return check_config(conf_path);
    }
    return nd_sv_run(conf_path, pid_file);
}
