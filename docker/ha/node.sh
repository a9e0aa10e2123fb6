#!/usr/bin/env bash
# Entry point of a node of the HA shape (docker/ha/compose.yaml), the
# container form of what `.ci/ha.sh up` does with loopback ports:
#   nanbyo-node monitor      the pg_auto_failover monitor
#   nanbyo-node data NAME    a data node (the first to register becomes the
#                            primary and gets the schema; the others clone it)
# Every node has TLS on with its own certificate for its host name
# (/etc/nanbyo/db-tls: `.ci/db-tls.sh certs DIR monitor node1 node2 node3`)
# and verify-full toward the others. A sketch: not run on the development
# machines.
set -euo pipefail
tls=/etc/nanbyo/db-tls
pgdata=/var/lib/postgresql/node
ssl=(--ssl-mode verify-full --ssl-ca-file "$tls/ca.pem" --server-cert "$tls/server.pem" --server-key "$tls/server.key")
monitor="postgresql://autoctl_node@monitor:5432/pg_auto_failover?sslmode=verify-full&sslrootcert=$tls/ca.pem"
# The client side of the passwords of autoctl_node (to the monitor) and
# pgautofailover_replicator (streaming, pg_rewind): the secret
# pg_autoctl_pgpass, a .pgpass file. The server side is set once:
# `ALTER ROLE autoctl_node PASSWORD …` on the monitor, `pg_autoctl config
# set replication.password …` on every data node.
export PGPASSFILE=/run/secrets/pg_autoctl_pgpass

case "${1:?monitor|data NAME}" in
  monitor)
    [ -f "$pgdata/PG_VERSION" ] ||
      pg_autoctl create monitor --pgdata "$pgdata" --pgport 5432 --hostname monitor --auth scram-sha-256 "${ssl[@]}"
    exec pg_autoctl run --pgdata "$pgdata"
    ;;
  data)
    name=${2:?missing NAME}
    if [ ! -f "$pgdata/PG_VERSION" ]; then
      pg_autoctl create postgres --pgdata "$pgdata" --pgport 5432 --hostname "$name" --name "$name" \
        --dbname nanbyo --monitor "$monitor" --auth scram-sha-256 "${ssl[@]}"
      # our rules first (the first matching line decides): TLS only,
      # authenticator by its client certificate; pg_auto_failover's own
      # hostssl lines for its replication follow
      { cat /etc/nanbyo/pg_hba.conf; echo; cat "$pgdata/pg_hba.conf"; } > "$pgdata/pg_hba.conf.new"
      mv "$pgdata/pg_hba.conf.new" "$pgdata/pg_hba.conf"
      cat >> "$pgdata/postgresql.conf" <<CONF

# --- nanbyo-db HA node (docker/ha/node.sh; .ci/ha.sh node_settings) ---
shared_preload_libraries = 'pg_stat_statements,pg_cron'
cron.database_name = 'nanbyo'
cron.use_background_workers = on
max_worker_processes = 16
timezone = 'Asia/Tokyo'
log_timezone = 'Asia/Tokyo'
log_line_prefix = '%m [%p] %q%a '
ssl_min_protocol_version = 'TLSv1.3'
archive_mode = on
archive_command = 'pgbackrest --stanza=nanbyo archive-push %p'
archive_timeout = 60
CONF
    fi
    exec pg_autoctl run --pgdata "$pgdata"
    ;;
esac
