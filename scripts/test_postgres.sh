#!/usr/bin/env bash
# A throw-away PostgreSQL server on loopback for the test suite.
#   scripts/test_postgres.sh start   -> prints the SQLAlchemy URL (postgresql+psycopg://...)
#   scripts/test_postgres.sh stop
# The cluster lives in $BAOTONG_PG_DIR (default /tmp/baotong-test-pg) and listens on $BAOTONG_PG_PORT (55432),
# owned by the `postgres` system user when run as root (the server refuses to run as root).
set -euo pipefail
DIR=${BAOTONG_PG_DIR:-/tmp/baotong-test-pg}
PORT=${BAOTONG_PG_PORT:-55432}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [[ -z "$BIN" || ! -x "$BIN/pg_ctl" ]]; then
    echo "test_postgres: PostgreSQL server binaries not found (run scripts/system_deps.sh)" >&2
    exit 1
fi
as_pg() {
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-start}" in
start)
    if [[ ! -f "$DIR/PG_VERSION" ]]; then
        mkdir -p "$DIR"
        [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$DIR"
        as_pg "$BIN/initdb" -D "$DIR" -U baotong --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! as_pg "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
        as_pg "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 \
            -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=${BAOTONG_PG_FSYNC:-on}" start >/dev/null
    fi
    echo "postgresql+psycopg://baotong@127.0.0.1:$PORT/postgres"
    ;;
stop)
    as_pg "$BIN/pg_ctl" -D "$DIR" -m fast stop >/dev/null 2>&1 || true
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
