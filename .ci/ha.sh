#!/usr/bin/env bash
# A highly available nanbyo-db on this machine (issue #22), with
# pg_auto_failover: a monitor, a primary and two standbys on loopback ports,
# synchronous replication to at least one standby (number_sync_standbys 1),
# PostgREST on a multi-host connection string that finds the primary
# (target_session_attrs=read-write), and nginx in front (.ci/edge.sh).
#
#   ha.sh up [--demo]   create on first use, start everything, wait until
#                       the primary and both standbys are healthy
#   ha.sh down          stop PostgREST, nginx, the nodes and the monitor
#   ha.sh state         pg_auto_failover's view of the nodes
#   ha.sh primary [WAIT [NOT]]  the data directory of the current primary
#                       (waits up to WAIT seconds for one, e.g. during a
#                       failover; with NOT, for one other than node NOT)
#   ha.sh psql [args]   psql into the current primary's nanbyo database
#
# Ports (env): HA_MONITOR_PORT 55500, nodes HA_NODE_PORT..+2 (55501-55503),
# HA_API_PORT 3200, HA_HTTPS_PORT 8600, HA_HTTP_PORT 8601. Data in .run/ha/.
# The nodes trust loopback connections and use self-signed certificates
# between them: a test rig. The production shape (docker/ha/, README "At
# rest and in transit") uses scram-sha-256 and verify-full certificates.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/.ci/config.sh"

dir=$RUN_DIR/ha
sock=$dir/sock
monitor_port=${HA_MONITOR_PORT:-55500}
node_port=${HA_NODE_PORT:-55501}
api_port=${HA_API_PORT:-3200}
https_port=${HA_HTTPS_PORT:-8600}
http_port=${HA_HTTP_PORT:-8601}
nodes=(node1 node2 node3)
monitor_uri="postgres://autoctl_node@127.0.0.1:$monitor_port/pg_auto_failover?sslmode=require"

log() { printf '[ha] %s\n' "$*"; }
# pg_autoctl keeps each node's configuration and state under XDG_CONFIG_HOME
# and XDG_DATA_HOME: inside the rig's directory, so removing it starts over.
xdg="XDG_CONFIG_HOME=$dir/xdg/config XDG_DATA_HOME=$dir/xdg/data"
autoctl() { as_postgres env PATH="$PG_BIN:/usr/bin:/bin" PG_CONFIG="$PG_CONFIG" $xdg pg_autoctl "$@"; }
port_of() { echo $((node_port + ${1#node} - 1)); }
keeper_running() { autoctl status --pgdata "$dir/$1" >/dev/null 2>&1; }

start_keeper() {
  keeper_running "$1" && return
  as_postgres bash -c "cd '$dir' && PATH='$PG_BIN:/usr/bin:/bin' $xdg setsid nohup pg_autoctl run --pgdata '$dir/$1' \
    >>'$dir/$1.log' 2>&1 </dev/null &"
  for _ in $(seq 100); do keeper_running "$1" && return; sleep 0.2; done
  echo "[ha] pg_autoctl for $1 did not start; its log:" >&2
  tail -n 20 "$dir/$1.log" >&2
  exit 1
}

# Settings of ours after pg_auto_failover's include (the last one wins):
# pg_cron on the application database, sockets in one project directory,
# and memory sized for four servers on one machine (pg_auto_failover's
# tuning would give each a quarter of the RAM).
node_settings() {
  cat <<CONF

# --- nanbyo-db HA node (.ci/ha.sh) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sock,/var/run/postgresql'
shared_preload_libraries = 'pg_stat_statements,pg_cron'
cron.database_name = '$DB_NAME'
cron.use_background_workers = on
max_worker_processes = 16
timezone = 'Asia/Tokyo'
log_timezone = 'Asia/Tokyo'
log_line_prefix = '%m [%p] %q%a '
shared_buffers = '256MB'
effective_cache_size = '2GB'
maintenance_work_mem = '128MB'
wal_keep_size = '1GB'
CONF
}

wait_for_state() {  # node... : until each node reports its goal state reached
  local want=$1 deadline=$((SECONDS + ${2:-180}))
  while [ $SECONDS -lt $deadline ]; do
    local states
    states=$(autoctl show state --pgdata "$dir/monitor" --json 2>/dev/null |
      python3 -c 'import json,sys; print(" ".join(sorted(n["current_group_state"] for n in json.load(sys.stdin) if n["current_group_state"] == n["assigned_group_state"])))' 2>/dev/null || true)
    [ "$states" = "$want" ] && return 0
    sleep 1
  done
  echo "[ha] the nodes did not reach: $want" >&2
  autoctl show state --pgdata "$dir/monitor" >&2 || true
  return 1
}

# The node the monitor has made primary and that reached that state (during
# a failover there is none for a while: wait for it, at most WAIT seconds).
# With NOT, a node other than NOT (the primary that was lost).
primary() {
  local deadline=$((SECONDS + ${1:-0})) name
  while :; do
    name=$(autoctl show state --pgdata "$dir/monitor" --json 2>/dev/null | python3 -c '
import json, sys
for n in json.load(sys.stdin):
    if n["assigned_group_state"] in ("primary", "single", "wait_primary") \
       and n["current_group_state"] == n["assigned_group_state"] and n["nodename"] != sys.argv[1]:
        print(n["nodename"]); break' "${2:-}" || true)
    [ -n "$name" ] && { echo "$name"; return 0; }
    [ $SECONDS -ge $deadline ] && { echo "[ha] no primary" >&2; return 1; }
    sleep 1
  done
}

postgrest_running() { [ -f "$dir/postgrest.pid" ] && kill -0 "$(cat "$dir/postgrest.pid")" 2>/dev/null; }

case "${1:-}" in
  up)
    demo=${2:-}
    mkdir -p "$dir" "$sock"
    for f in monitor "${nodes[@]}"; do touch "$dir/$f.log"; done
    chown postgres:postgres "$dir" "$sock" "$dir"/*.log
    if [ ! -f "$dir/monitor/PG_VERSION" ]; then
      log "creating the monitor on 127.0.0.1:$monitor_port"
      autoctl create monitor --pgdata "$dir/monitor" --pgport "$monitor_port" --pgctl "$PG_BIN/pg_ctl" \
        --hostname 127.0.0.1 --listen 127.0.0.1 --auth trust --ssl-self-signed >>"$dir/monitor.log" 2>&1
      printf "\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s,/var/run/postgresql'\nshared_buffers = '128MB'\n" "$sock" |
        as_postgres tee -a "$dir/monitor/postgresql.conf" >/dev/null
    fi
    start_keeper monitor
    for _ in $(seq 100); do "$PG_BIN/pg_isready" -q -h "$sock" -p "$monitor_port" && break; sleep 0.2; done
    for n in "${nodes[@]}"; do
      if [ ! -f "$dir/$n/PG_VERSION" ]; then
        log "creating $n on 127.0.0.1:$(port_of "$n")"
        autoctl create postgres --pgdata "$dir/$n" --pgport "$(port_of "$n")" --pgctl "$PG_BIN/pg_ctl" \
          --hostname 127.0.0.1 --listen 127.0.0.1 --name "$n" --dbname "$DB_NAME" --monitor "$monitor_uri" \
          --auth trust --ssl-self-signed >>"$dir/$n.log" 2>&1
        if [ "$n" = node1 ]; then
          node_settings | as_postgres tee -a "$dir/$n/postgresql.conf" >/dev/null
        fi
      fi
      start_keeper "$n"
      if [ "$n" = node1 ] && [ ! -f "$dir/schema.loaded" ]; then
        wait_for_state single
        log "loading the schema into the primary${demo:+ (with the demo data)}"
        "$root/.ci/load-schema.sh" "$sock" "$(port_of node1)" $demo
        touch "$dir/schema.loaded"
        # pg_cron's launcher started before the schema made its extension
        as_postgres "$PG_BIN/pg_ctl" -D "$dir/node1" -w restart -m fast >/dev/null
      fi
    done
    wait_for_state "primary secondary secondary" 300
    autoctl set formation number-sync-standbys 1 --pgdata "$dir/$(primary 60)" >>"$dir/monitor.log" 2>&1
    if ! postgrest_running; then
      secret=$("$root/.ci/ha.sh" psql -XAtq -c "SELECT value FROM app.server_secrets WHERE name = 'jwt_secret'")
      (umask 077; touch "$dir/postgrest.log")
      hosts="$sock,$sock,$sock"
      ports="$(port_of node1),$(port_of node2),$(port_of node3)"
      PGRST_DB_URI="postgresql:///$DB_NAME?host=$hosts&port=$ports&user=authenticator&target_session_attrs=read-write" \
      PGRST_JWT_SECRET="$secret" PGRST_SERVER_PORT="$api_port" \
        setsid nohup "$POSTGREST_BIN" "$root/postgrest/nanbyo.conf" >>"$dir/postgrest.log" 2>&1 </dev/null &
      echo $! > "$dir/postgrest.pid"
    fi
    for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$api_port/" && break; sleep 0.2; done
    "$root/.ci/edge.sh" up ha "$https_port" "$http_port" "$api_port"
    log "up: https://127.0.0.1:$https_port/ (primary: $(primary 60))"
    ;;
  down)
    "$root/.ci/edge.sh" down ha 2>/dev/null || true
    if postgrest_running; then kill "$(cat "$dir/postgrest.pid")"; fi
    rm -f "$dir/postgrest.pid"
    for n in "${nodes[@]}" monitor; do
      [ -d "$dir/$n" ] && { autoctl stop --pgdata "$dir/$n" >/dev/null 2>&1 || true; }
    done
    for n in "${nodes[@]}" monitor; do
      for _ in $(seq 100); do keeper_running "$n" || break; sleep 0.2; done
      [ -f "$dir/$n/postmaster.pid" ] && as_postgres "$PG_BIN/pg_ctl" -D "$dir/$n" -m fast -w stop >/dev/null 2>&1 || true
    done
    ;;
  state) autoctl show state --pgdata "$dir/monitor" ;;
  primary) echo "$dir/$(primary "${2:-0}" "${3:-}")" ;;
  psql)
    shift
    p=$(primary 60)
    exec "$PG_BIN/psql" -h "$sock" -p "$(port_of "$p")" -U postgres -d "$DB_NAME" -X -v ON_ERROR_STOP=1 "$@"
    ;;
  *) sed -n '2,20p' "$0" >&2; exit 2 ;;
esac
