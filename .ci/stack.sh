#!/usr/bin/env bash
# The local nanbyo-db stack: a PostgreSQL 15 cluster with the extension,
# schema and policies loaded, PostgREST in front of it, and optionally nginx
# in front of that (TLS, the web client: .ci/edge.sh).
#
#   stack.sh up NAME PG_PORT API_PORT [--demo] [--fresh] [--edge=HTTPS_PORT,HTTP_PORT] [--db-tls]
#       Starts .run/NAME. The database is (re)loaded only when the installed
#       extension, sql/ or policies/ changed since it was last loaded, so a
#       second `up` with nothing changed is quick. --fresh starts from an
#       empty cluster; --demo also loads tests/demo/; --edge also serves
#       https://127.0.0.1:HTTPS_PORT/ (and redirects http://127.0.0.1:HTTP_PORT).
#       Without --db-tls PostgREST reaches the cluster over its Unix socket;
#       with it, over TCP with TLS (sslmode=verify-full against a private CA,
#       a client certificate as authenticator's login: .ci/db-tls.sh), and
#       the cluster refuses authenticator over TCP without TLS. The cluster
#       keeps its TLS settings afterwards (--fresh starts without them).
#   stack.sh down NAME
#       Stops nginx, PostgREST and the cluster of .run/NAME (data is kept).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/.ci/config.sh"

cmd=${1:?usage: stack.sh up|down NAME ...}
name=${2:?missing NAME}
dir=$RUN_DIR/$name

postgrest_running() { [ -f "$dir/postgrest.pid" ] && kill -0 "$(cat "$dir/postgrest.pid")" 2>/dev/null; }
stop_postgrest() {
  if postgrest_running; then
    kill "$(cat "$dir/postgrest.pid")"
    for _ in $(seq 50); do postgrest_running || break; sleep 0.1; done
  fi
  rm -f "$dir/postgrest.pid"
}

# Everything the loaded database depends on: installed extension files and the
# SQL sources. A change in any of them means the database must be reloaded.
fingerprint() {
  local sharedir pkglibdir
  sharedir=$("$PG_CONFIG" --sharedir)
  pkglibdir=$("$PG_CONFIG" --pkglibdir)
  {
    echo "demo=$1"
    sha256sum "$sharedir"/extension/nanbyo* "$pkglibdir"/nanbyo.so
    find "$root/sql" "$root/policies" "$root/tests/demo" -type f -print0 | sort -z | xargs -0 sha256sum
  } | sha256sum | cut -d' ' -f1
}

case "$cmd" in
  up)
    pg_port=${3:?missing PG_PORT}
    api_port=${4:?missing API_PORT}
    shift 4
    demo=no fresh=no edge= db_tls=no
    for a in "$@"; do
      case "$a" in
        --demo) demo=yes ;;
        --fresh) fresh=yes ;;
        --edge=*,*) edge=${a#--edge=} ;;
        --db-tls) db_tls=yes ;;
        *) echo "stack.sh: unknown option $a" >&2; exit 2 ;;
      esac
    done
    if [ "$fresh" = yes ]; then
      "$0" down "$name"
      rm -rf "$dir"
    fi
    "$root/.ci/cluster.sh" start "$dir" "$pg_port"

    want=$(fingerprint "$demo")
    if [ "$(cat "$dir/schema.fingerprint" 2>/dev/null)" != "$want" ]; then
      stop_postgrest
      if [ -f "$dir/schema.fingerprint" ]; then
        echo "[stack] extension or schema changed: recreating database $DB_NAME in .run/$name"
        "$PG_BIN/psql" -h "$dir" -p "$pg_port" -U postgres -d postgres -Xq \
          -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" -c "CREATE DATABASE $DB_NAME"
        recreated=yes
      fi
      "$root/.ci/load-schema.sh" "$dir" "$pg_port" ${demo/#yes/--demo}
      echo "$want" > "$dir/schema.fingerprint"
      if [ "${recreated:-no}" = yes ]; then
        # pg_cron's launcher gives up on a database dropped under it: restart
        "$root/.ci/cluster.sh" stop "$dir"
        "$root/.ci/cluster.sh" start "$dir" "$pg_port"
      fi
    fi

    # The database made its own JWT signing secret when it was loaded
    # (app.server_secrets); PostgREST verifies tokens with the same one.
    (umask 077; "$PG_BIN/psql" -h "$dir" -p "$pg_port" -U postgres -d "$DB_NAME" -XAtq \
        -c "SELECT value FROM app.server_secrets WHERE name = 'jwt_secret'" > "$dir/jwt-secret.new")
    if ! cmp -s "$dir/jwt-secret.new" "$dir/jwt-secret"; then
      stop_postgrest
      mv "$dir/jwt-secret.new" "$dir/jwt-secret"
    else
      rm -f "$dir/jwt-secret.new"
    fi
    if [ "$db_tls" = yes ]; then
      "$root/.ci/db-tls.sh" setup "$dir" "$pg_port"
      db_uri=$("$root/.ci/db-tls.sh" uri "$dir" "$pg_port")
    else
      db_uri="postgresql:///$DB_NAME?host=$dir&port=$pg_port&user=authenticator"
    fi
    # a PostgREST started with the other connection string is restarted
    if [ "$(cat "$dir/postgrest.db-uri" 2>/dev/null)" != "$db_uri" ]; then
      stop_postgrest
    fi
    if ! postgrest_running; then
      # the log is the owner's alone (it may name what a client sent)
      (umask 077; touch "$dir/postgrest.log"); chmod 600 "$dir/postgrest.log"
      echo "$db_uri" > "$dir/postgrest.db-uri"
      PGRST_DB_URI="$db_uri" \
      PGRST_JWT_SECRET="$(cat "$dir/jwt-secret")" \
      PGRST_SERVER_PORT="$api_port" \
        setsid nohup "$POSTGREST_BIN" "$root/postgrest/nanbyo.conf" >>"$dir/postgrest.log" 2>&1 </dev/null &
      echo $! > "$dir/postgrest.pid"
    fi
    up=no
    for _ in $(seq 100); do
      if curl -sf -o /dev/null "http://127.0.0.1:$api_port/"; then up=yes; break; fi
      postgrest_running || break
      sleep 0.2
    done
    if [ "$up" = no ]; then
      echo "[stack] PostgREST did not come up on 127.0.0.1:$api_port; its log:" >&2
      tail -n 20 "$dir/postgrest.log" >&2
      exit 1
    fi
    if [ -n "$edge" ]; then
      "$root/.ci/edge.sh" up "$name" "${edge%,*}" "${edge#*,}" "$api_port"
    fi
    exit 0
    ;;
  down)
    "$root/.ci/edge.sh" down "$name"
    stop_postgrest
    [ -d "$dir" ] && "$root/.ci/cluster.sh" stop "$dir"
    exit 0
    ;;
  *)
    echo "usage: stack.sh up|down NAME ..." >&2
    exit 2
    ;;
esac
