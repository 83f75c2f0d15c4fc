#!/bin/sh
# Rolling restart (or reload) of nanod boxes behind HAProxy, one box at a time,
# as tests/e2e/test_lb.py does on one machine. Needs ssh to each box and curl.
#   deploy/systemd/rolling-restart.sh restart box1 box2 box3
#   deploy/systemd/rolling-restart.sh reload  box1 box2 box3
# ADMIN_PORT: nanod's admin_listen port (9090 in deploy/haproxy/apps.ini).
set -eu
action=$1
shift
port=${ADMIN_PORT:-9090}
for box in "$@"; do
    echo "== $box: $action"
    ssh "$box" systemctl "$action" nanod     # restart: SIGQUIT (drain_delay, drain), start
    # Wait until the box answers its health check again before touching the next.
    i=0
    until curl -fsS -o /dev/null "http://$box:$port/healthz"; do
        i=$((i + 1))
        [ "$i" -lt 120 ] || { echo "$box: /healthz not 200 after 60 s: stopping here" >&2; exit 1; }
        sleep 0.5
    done
    sleep 5     # HAProxy's rise (2) x inter (2s), plus a margin
done
