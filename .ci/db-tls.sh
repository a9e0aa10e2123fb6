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
#   db-tls.sh certs OUT HOST...
#       Only the certificates, for the production shape (docker/compose.yaml,
#       docker/ha/): the private CA OUT/ca.pem (its key OUT/ca/ca.key: keep
#       it offline), for each HOST a directory OUT/HOST with server.pem
#       (CN and subjectAltName HOST), server.key and ca.pem, and
#       OUT/postgrest with authenticator.{pem,key} and ca.pem.
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

cmd=${1:?usage: db-tls.sh setup|uri DIR PORT, or certs OUT HOST...}
dir=$(realpath -m "${2:?missing DIR}")
[ "$cmd" = certs ] || port=${3:?missing PORT}
tls=$dir/db-tls
pgdata=$dir/pgdata
host=localhost
days=825

# 0 when FILE is a certificate valid for at least 30 more days
fresh() { [ -f "$1" ] && openssl x509 -checkend $((30 * 86400)) -noout -in "$1" >/dev/null 2>&1; }

# A P-256 key OUT.key and a certificate OUT.pem signed by the CA of $tls,
# with common name CN and the given X.509 extensions; the CA beside them
# (each directory is mounted on its own in docker/compose.yaml).
issue() {
  local out=$1 cn=$2 ext=$3
  (umask 077
   openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$cn" \
     -keyout "$out.key.new" -out "$out.csr" 2>/dev/null
   openssl x509 -req -in "$out.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca/ca.key" -CAserial "$tls/ca/ca.srl" -CAcreateserial \
     -days "$days" -sha256 -extfile <(printf '%s\n' "$ext") -out "$out.pem.new" 2>/dev/null)
  rm -f "$out.csr"
  chmod 644 "$out.pem.new"
  mv "$out.key.new" "$out.key"
  mv "$out.pem.new" "$out.pem"
  cp "$tls/ca.pem" "$(dirname "$out")/ca.pem"
}

# The private CA (once), then the certificates that are missing or about to
# expire: for each server SUBDIR=SAN (e.g. server=DNS:localhost,IP:127.0.0.1)
# $tls/SUBDIR/server.{pem,key} with CN the first name, and the client
# certificate of PostgREST's login role, $tls/postgrest/authenticator.{pem,key}.
make_certificates() {
  local server subdir san cn
  mkdir -p "$tls/ca" "$tls/postgrest"
  chmod 700 "$tls/ca" "$tls/postgrest"
  if ! fresh "$tls/ca.pem"; then
    (umask 077
     openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 -sha256 \
       -subj "/CN=nanbyo-db database CA ($(basename "$(dirname "$tls")"))" \
       -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
       -addext "keyUsage=critical,keyCertSign,cRLSign" \
       -keyout "$tls/ca/ca.key" -out "$tls/ca.pem.new" 2>/dev/null)
    chmod 644 "$tls/ca.pem.new"
    mv "$tls/ca.pem.new" "$tls/ca.pem"
    find "$tls" -mindepth 2 -name '*.pem' ! -path "$tls/ca/*" -delete
    echo "[db-tls] made a private CA: $tls/ca.pem"
  fi
  for server in "$@"; do
    subdir=${server%%=*} san=${server#*=}
    cn=${san%%,*}; cn=${cn#*:}
    mkdir -p "$tls/$subdir"
    if ! fresh "$tls/$subdir/server.pem"; then
      issue "$tls/$subdir/server" "$cn" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=$san"
      echo "[db-tls] made the server certificate for $san: $tls/$subdir/server.pem"
    fi
    chmod 700 "$tls/$subdir"
    chmod 600 "$tls/$subdir/server.key"
  done
  if ! fresh "$tls/postgrest/authenticator.pem"; then
    issue "$tls/postgrest/authenticator" authenticator "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
  fi
  chmod 600 "$tls/postgrest/authenticator.key" "$tls/ca/ca.key"
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
    make_certificates "server=DNS:$host,IP:127.0.0.1"
    # PostgreSQL refuses a key that others can read: the server's key is
    # the postgres user's alone; the client key stays with PostgREST's user.
    if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$tls/server"
    elif [ "$(id -un)" != postgres ]; then sudo chown -R postgres:postgres "$tls/server"; fi
    configure_cluster
    ;;
  certs)
    # certificates only, for a deployment without a PKI of its own
    # (docker/compose.yaml): OUT/db for the host name `db` and so on
    shift 2
    [ $# -gt 0 ] || { echo "usage: db-tls.sh certs OUT HOST..." >&2; exit 2; }
    tls=$dir
    args=()
    for h in "$@"; do args+=("$h=DNS:$h"); done
    make_certificates "${args[@]}"
    echo "[db-tls] in $dir: give each server directory to the database's user (chown 999 in the"
    echo "         postgres image) and postgrest/ to PostgREST's (1000 in postgrest/postgrest); keep ca/ offline"
    ;;
  uri)
    echo "postgresql://authenticator@$host:$port/$DB_NAME?sslmode=verify-full&sslrootcert=$tls/ca.pem&sslcert=$tls/postgrest/authenticator.pem&sslkey=$tls/postgrest/authenticator.key"
    ;;
  *)
    echo "usage: db-tls.sh setup|uri DIR PORT, or certs OUT HOST..." >&2
    exit 2
    ;;
esac
