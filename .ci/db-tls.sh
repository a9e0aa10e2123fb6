#!/usr/bin/env bash
# TLS between PostgREST and PostgreSQL (issue #22 item 6): a private CA, a
# server certificate for the database's host name, a client certificate for
# the PostgREST login role, and a cluster that accepts `authenticator` over
# TCP only with TLS and that certificate. Called by `.ci/stack.sh up …
# --db-tls`; the production shape is docker/compose.yaml (docker/db-tls/).
#
#   db-tls.sh setup DIR PORT
#       Makes (once; again only when a certificate is about to expire)
#       DIR/db-tls/: ca.pem (the private CA; its key ca/ca.key never leaves
#       this directory), server/server.{pem,key} (CN and subjectAltName
#       `localhost` and 127.0.0.1, owned by postgres, mode 0600) and
#       postgrest/authenticator.{pem,key} (CN `authenticator`, owned by the
#       user who runs PostgREST, mode 0600). Turns `ssl` on in the cluster
#       DIR/pgdata (a marked block of postgresql.conf), puts the marked TLS
#       rules first in pg_hba.conf and reloads; fails unless the cluster
#       then has ssl on and the rules loaded without error.
#   db-tls.sh uri DIR PORT
#       The connection string PostgREST uses: sslmode=verify-full against
#       the private CA, the client certificate as the login.
#
# Why a client certificate and not a password for authenticator: nothing to
# keep secret in a connection string (PGRST_DB_URI is in PostgREST's
# environment and configuration, where a password would be readable by
# whoever can read those), the private key never crosses the wire, and both
# ends prove who they are with the same private CA. The key lives beside
# PostgREST only (mode 0600); to revoke it, issue a new CA or list it in
# ssl_crl_file.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/.ci/config.sh"

cmd=${1:?usage: db-tls.sh setup|uri DIR PORT}
dir=$(realpath -m "${2:?missing DIR}")
port=${3:?missing PORT}
tls=$dir/db-tls
pgdata=$dir/pgdata
host=localhost
days=825

# 0 when FILE is a certificate valid for at least 30 more days
fresh() { [ -f "$1" ] && openssl x509 -checkend $((30 * 86400)) -noout -in "$1" >/dev/null 2>&1; }

# A P-256 key and a certificate signed by the CA: NAME, CN, extensions.
issue() {
  local out=$1 cn=$2 ext=$3
  (umask 077
   openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$cn" \
     -keyout "$out.key.new" -out "$out.csr" 2>/dev/null
   openssl x509 -req -in "$out.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca/ca.key" -CAcreateserial \
     -days "$days" -sha256 -extfile <(printf '%s\n' "$ext") -out "$out.pem.new" 2>/dev/null)
  rm -f "$out.csr"
  chmod 644 "$out.pem.new"
  mv "$out.key.new" "$out.key"
  mv "$out.pem.new" "$out.pem"
}

make_certificates() {
  mkdir -p "$tls/ca" "$tls/server" "$tls/postgrest"
  chmod 700 "$tls/ca" "$tls/postgrest"
  local renewed=no
  if ! fresh "$tls/ca.pem"; then
    (umask 077
     openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 -sha256 \
       -subj "/CN=nanbyo-db database CA ($(basename "$dir"))" \
       -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
       -addext "keyUsage=critical,keyCertSign,cRLSign" \
       -keyout "$tls/ca/ca.key" -out "$tls/ca.pem.new" 2>/dev/null)
    chmod 644 "$tls/ca.pem.new"
    mv "$tls/ca.pem.new" "$tls/ca.pem"
    rm -f "$tls/server/server.pem" "$tls/postgrest/authenticator.pem"
    echo "[db-tls] made a private CA: $tls/ca.pem"
  fi
  if ! fresh "$tls/server/server.pem"; then
    issue "$tls/server/server" "$host" \
      "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:$host,IP:127.0.0.1"
    renewed=yes
  fi
  if ! fresh "$tls/postgrest/authenticator.pem"; then
    issue "$tls/postgrest/authenticator" authenticator \
      "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
  fi
  # PostgreSQL refuses a key that others can read: the server's key is the
  # postgres user's alone; the client key stays with PostgREST's user.
  chown -R postgres:postgres "$tls/server"
  chmod 700 "$tls/server"
  chmod 600 "$tls/server/server.key" "$tls/postgrest/authenticator.key" "$tls/ca/ca.key"
  [ "$renewed" = yes ] && echo "[db-tls] made the server certificate for $host: $tls/server/server.pem"
  return 0
}

# Replace the block between the markers in FILE (or add it): at the end, or
# at the start with `first` (pg_hba.conf: the first matching line decides).
put_block() {
  local file=$1 where=$2 block begin="# --- nanbyo-db: TLS to the database (.ci/db-tls.sh) ---" end="# --- end of nanbyo-db TLS ---"
  block=$(printf '%s\n%s\n%s' "$begin" "$(cat)" "$end")
  as_postgres python3 - "$file" "$where" "$begin" "$end" "$block" <<'PY'
import sys
path, where, begin, end, block = sys.argv[1:]
text = open(path).read()
if begin in text:
    head, rest = text.split(begin, 1)
    text = head + rest.split(end, 1)[1].lstrip("\n")
text = block + "\n\n" + text if where == "first" else text.rstrip("\n") + "\n\n" + block + "\n"
with open(path + ".new", "w") as f:
    f.write(text)
import os
os.replace(path + ".new", path)
PY
}

configure_cluster() {
  put_block "$pgdata/postgresql.conf" last <<CONF
ssl = on
ssl_cert_file = '$tls/server/server.pem'
ssl_key_file = '$tls/server/server.key'
# the CA that signed the client certificates (pg_hba.conf method cert)
ssl_ca_file = '$tls/ca.pem'
ssl_min_protocol_version = 'TLSv1.3'
CONF
  put_block "$pgdata/pg_hba.conf" first <<HBA
# PostgREST's login role over TCP: TLS with a client certificate of the
# private CA whose CN is authenticator, into the application database only;
# never without TLS, nowhere else.
hostssl    $DB_NAME  authenticator  127.0.0.1/32  cert
hostssl    $DB_NAME  authenticator  ::1/128       cert
hostnossl  all       authenticator  0.0.0.0/0     reject
hostnossl  all       authenticator  ::/0          reject
host       all       authenticator  0.0.0.0/0     reject
host       all       authenticator  ::/0          reject
HBA
  as_postgres "$PG_BIN/pg_ctl" -D "$pgdata" reload >/dev/null
  local ok=no
  for _ in $(seq 50); do
    if [ "$("$PG_BIN/psql" -h "$dir" -p "$port" -U postgres -d postgres -XAtqc "SELECT current_setting('ssl')
        || (SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL)
        || (SELECT count(*) FROM pg_hba_file_rules WHERE user_name = '{authenticator}' AND auth_method = 'cert')")" = on02 ]; then
      ok=yes; break
    fi
    sleep 0.1
  done
  if [ "$ok" = no ]; then
    echo "[db-tls] the cluster in $dir did not take the TLS settings; its log:" >&2
    tail -n 20 "$dir/postgres.log" >&2
    exit 1
  fi
}

case "$cmd" in
  setup)
    [ -f "$pgdata/PG_VERSION" ] || { echo "[db-tls] no cluster in $pgdata" >&2; exit 1; }
    make_certificates
    configure_cluster
    ;;
  uri)
    echo "postgresql://authenticator@$host:$port/$DB_NAME?sslmode=verify-full&sslrootcert=$tls/ca.pem&sslcert=$tls/postgrest/authenticator.pem&sslkey=$tls/postgrest/authenticator.key"
    ;;
  *)
    echo "usage: db-tls.sh setup|uri DIR PORT" >&2
    exit 2
    ;;
esac
