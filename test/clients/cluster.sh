# test/clients/cluster.sh — sourced by the checks that need a cluster of their own (the driver test
# needs TCP for PgJDBC; the pg_cron test needs shared_preload_libraries): a throwaway cluster from
# $PGBIN in a temporary directory, listening on its unix socket and on 127.0.0.1 at a free port
# (never 5432), trust authentication, stopped and removed when the shell exits.
#   own_cluster_start [postgresql.conf line ...]   sets OWN_DIR, OWN_PORT, OWN_SUPERUSER
#   own_psql [psql args ...]                        psql as the superuser over the unix socket
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
OWN_DIR=""
own_cluster_stop() {
    if [ -n "$OWN_DIR" ] && [ -d "$OWN_DIR" ]; then
        "${OWN_RUNAS[@]}" "$PGBIN/pg_ctl" -D "$OWN_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
        rm -rf "$OWN_DIR"
    fi
}
own_cluster_start() {
    OWN_DIR="$(mktemp -d /tmp/feedback_rbp.own.XXXXXX)"
    chmod 755 "$OWN_DIR"
    OWN_RUNAS=()
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$OWN_DIR"
        OWN_RUNAS=(runuser -u postgres --)
        OWN_SUPERUSER=postgres
    else
        OWN_SUPERUSER="$(id -un)"
    fi
    "${OWN_RUNAS[@]}" "$PGBIN/initdb" -D "$OWN_DIR/data" -U "$OWN_SUPERUSER" -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    {
        echo "listen_addresses = '127.0.0.1'"
        echo "unix_socket_directories = '$OWN_DIR'"
        echo "fsync = off"
        echo "log_min_messages = warning"
        local line
        for line in "$@"; do echo "$line"; done
    } >> "$OWN_DIR/data/postgresql.conf"
    trap own_cluster_stop EXIT
    # a free port: bind port 0 and read what the kernel chose. Another process may take it before the
    # server binds it (a CI run once failed so, after the driver test's many connections): on a
    # failed start the server's log is shown and another port tried, three times at most.
    local attempt
    for attempt in 1 2 3; do
        OWN_PORT="$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
        echo "port = $OWN_PORT" >> "$OWN_DIR/data/postgresql.conf"   # the last setting wins
        if "${OWN_RUNAS[@]}" "$PGBIN/pg_ctl" -D "$OWN_DIR/data" -l "$OWN_DIR/server.log" -w -t 60 start >/dev/null; then
            return 0
        fi
        echo "# own cluster did not start on port $OWN_PORT (attempt $attempt); its log:" >&2
        sed 's/^/#   /' "$OWN_DIR/server.log" >&2 || true
    done
    return 1
}
own_psql() {
    psql -X -q -v ON_ERROR_STOP=1 -h "$OWN_DIR" -p "$OWN_PORT" -U "$OWN_SUPERUSER" "$@"
}
