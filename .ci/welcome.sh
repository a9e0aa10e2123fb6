#!/usr/bin/env bash
# Printed at the end of `make run`: where the local stack is and how to use it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pg_port=$1 api_port=$2 https_port=$3 http_port=$4
cat <<TEXT

nanbyo-db is running (make stop to stop it).

  Web client (nginx)    https://127.0.0.1:$https_port/         (http://127.0.0.1:$http_port redirects there)
                        the certificate is self-signed: $root/.run/dev/tls/cert.pem
                        (trust it in the browser, or accept the warning once)
                        the API through nginx: https://127.0.0.1:$https_port/api/
  HTTP API (PostgREST)  http://127.0.0.1:$api_port/            OpenAPI document
                        http://127.0.0.1:$api_port/rpc/health  liveness check
  PostgreSQL 15         psql -h $root/.run/dev -p $pg_port -U postgres nanbyo
                        (also 127.0.0.1:$pg_port; logs in .run/dev/)

  curl -s -X POST http://127.0.0.1:$api_port/rpc/health -H 'Content-Type: application/json' -d '{}'
  curl -s --cacert .run/dev/tls/cert.pem https://127.0.0.1:$https_port/api/rpc/health
TEXT
if [ -f "$root/tests/demo/logins.txt" ]; then
  printf '\nDemo logins:\n'
  sed 's/^/  /' "$root/tests/demo/logins.txt"
fi
