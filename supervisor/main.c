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
#include "supervisor/check.h"
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
            "              (one FILE:LINE: message per error; exit 0 when all is valid,\n"
            "              1 when apps.ini has errors, 3 when only apps are broken)\n"
            "  -p PIDFILE  write the supervisor's pid here (overrides [server] pid_file)\n"
            "  -V          print versions and exit\n"
            "  -h          this help\n"
            "signals: USR2/HUP reload, QUIT graceful stop, TERM/INT fast stop, USR1 reopen logs\n");
}

/*
 * -t: the same validation as startup and reload, printed for a human. Exit 0:
 * all good. 1: apps.ini itself has errors (a start or reload would be
 * refused). 3: apps.ini is valid but some apps' scripts (or builds) are
 * broken: a start or reload goes ahead and those apps run their last good
 * version (stale) or answer 503 (failed).
 */
static int
check_config(const char *path)
{
    struct nd_errs    errs;
    struct nd_config *conf;
    char              line[1024];
    int               i, nbroken = 0;

    memset(&errs, 0, sizeof(errs));
    nd_log_open("stderr", "check");
    conf = nd_config_load(path, &errs);
    if (conf != NULL && (nd_check_worker_files(conf, &errs) > 0
                         || nd_worker_check_limits(conf, &errs) > 0)) {
        nd_config_free(conf);
        conf = NULL;
    }
    if (conf != NULL && nd_check_apps_sync(conf, &errs) == -1) {
        nd_config_free(conf);
        conf = NULL;
    }
    for (i = 0; i < errs.n; i++) {
        nd_err_format(&errs.e[i], line, sizeof(line));
        fprintf(stderr, "%s\n", line);
    }
    if (errs.dropped > 0) {
        fprintf(stderr, "%s: ... and %d more errors\n", path, errs.dropped);
    }
    if (conf == NULL) {
        return 1;
    }
    for (i = 0; i < conf->napps; i++) {
        nbroken += conf->apps[i].error != NULL;
    }
    if (nbroken > 0) {
        fprintf(stderr, "%s: valid, but %d of %d apps are broken: they will run "
                "their last good version (stale) or answer 503 (failed)\n", path, nbroken,
                conf->napps);
    } else {
        fprintf(stderr, "%s: ok, %d apps\n", path, conf->napps);
    }
    nd_config_free(conf);
    return nbroken > 0 ? 3 : 0;
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
