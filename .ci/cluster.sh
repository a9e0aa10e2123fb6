#!/usr/bin/env bash
# A project-local PostgreSQL 15 cluster, owned and run by the `postgres` OS
# user, listening on 127.0.0.1:PORT and on a Unix socket in DIR, with pg_cron
# preloaded and pointed at the application database.
#
#   cluster.sh start DIR PORT   initdb on first use, start if not running,
#                               create the database $DB_NAME if missing
#   cluster.sh stop DIR         stop if running
#   cluster.sh psql DIR PORT [psql args...]   psql as postgres into $DB_NAME
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/.ci/config.sh"

cmd=${1:?usage: cluster.sh start|stop|psql DIR [PORT]}
dir=$(realpath -m "${2:?missing DIR}")
pgdata=$dir/pgdata

running() { [ -f "$pgdata/postmaster.pid" ] && as_postgres "$PG_BIN/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; }

case "$cmd" in
  start)
    port=${3:?missing PORT}
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    if [ ! -f "$pgdata/PG_VERSION" ]; then
      as_postgres "$PG_BIN/initdb" -D "$pgdata" -U postgres --encoding=UTF8 \
        --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log"
      as_postgres tee -a "$pgdata/postgresql.conf" >/dev/null <<CONF

# --- nanbyo-db local cluster (.ci/cluster.sh) ---
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
shared_preload_libraries = 'pg_cron'
cron.database_name = '$DB_NAME'
cron.use_background_workers = on
max_worker_processes = 16
timezone = 'Asia/Tokyo'
log_timezone = 'Asia/Tokyo'
CONF
    fi
    # Every server log line names the request (id, account, role: set by
    # app.check_request in application_name); added to clusters made before.
    if ! grep -q "^log_line_prefix = '%m \[%p\] %q%a '" "$pgdata/postgresql.conf"; then
      echo "log_line_prefix = '%m [%p] %q%a '" | as_postgres tee -a "$pgdata/postgresql.conf" >/dev/null
      running && as_postgres "$PG_BIN/pg_ctl" -D "$pgdata" reload >/dev/null
    fi
    if ! running; then
      as_postgres "$PG_BIN/pg_ctl" -D "$pgdata" -l "$dir/postgres.log" -w -t 60 start >/dev/null
    fi
    exists=$("$PG_BIN/psql" -h "$dir" -p "$port" -U postgres -d postgres -Atqc \
      "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")
    if [ "$exists" != 1 ]; then
      "$PG_BIN/createdb" -h "$dir" -p "$port" -U postgres "$DB_NAME"
    fi
    ;;
  stop)
    if running; then
      as_postgres "$PG_BIN/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null
    fi
    ;;
  psql)
    port=${3:?missing PORT}
    shift 3
    exec "$PG_BIN/psql" -h "$dir" -p "$port" -U postgres -d "$DB_NAME" -X -v ON_ERROR_STOP=1 "$@"
    ;;
  *)
    echo "usage: cluster.sh start|stop|psql DIR [PORT]" >&2
    exit 2
    ;;
esac
