#!/usr/bin/env bash
# nginx in front of a local stack (issue #18): TLS with a self-signed
# certificate, the web client, /api/ → PostgREST. Called by .ci/stack.sh.
#
#   edge.sh up NAME HTTPS_PORT HTTP_PORT API_PORT
#       Serves https://127.0.0.1:HTTPS_PORT/ (http://127.0.0.1:HTTP_PORT
#       redirects there) from .run/NAME/nginx, with the configuration
#       docker/nginx/nanbyo.conf.template rendered for these ports. The
#       certificate .run/NAME/tls/cert.pem is made once (again only when it
#       is about to expire). The client is web/dist; until it is built, a
#       placeholder page.
#   edge.sh down NAME
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/.ci/config.sh"

cmd=${1:?usage: edge.sh up|down NAME ...}
name=${2:?missing NAME}
dir=$RUN_DIR/$name
run=$dir/nginx
conf=$run/nanbyo.conf

nginx_running() { [ -f "$run/nginx.pid" ] && kill -0 "$(cat "$run/nginx.pid" 2>/dev/null)" 2>/dev/null; }

# A self-signed certificate for 127.0.0.1 and localhost (make run's; a
# deployment brings its own).
ensure_certificate() {
  local tls=$dir/tls
  if [ -f "$tls/cert.pem" ] && openssl x509 -checkend 86400 -noout -in "$tls/cert.pem" >/dev/null 2>&1; then
    return
  fi
  mkdir -p "$tls"
  (umask 077; openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
      -subj "/CN=nanbyo-db local" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
      -keyout "$tls/key.pem.new" -out "$tls/cert.pem.new" 2>/dev/null)
  mv "$tls/key.pem.new" "$tls/key.pem"
  chmod 644 "$tls/cert.pem.new"
  mv "$tls/cert.pem.new" "$tls/cert.pem"
  echo "[edge] made a self-signed certificate: .run/$name/tls/cert.pem"
}

# What nginx serves at /: the built client, or a page saying it is not built.
web_root() {
  if [ -f "$root/web/dist/index.html" ]; then
    echo "$root/web/dist"
    return
  fi
  mkdir -p "$run/placeholder"
  cat > "$run/placeholder/index.html" <<'HTML'
<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>難病・小慢DB</title></head>
<body><h1>難病・小慢DB オンライン登録システム</h1>
<p>画面（web/dist）はまだビルドされていません。API は <a href="/api/">/api/</a> です。</p></body></html>
HTML
  echo "$run/placeholder"
}

case "$cmd" in
  up)
    https_port=${3:?missing HTTPS_PORT}
    http_port=${4:?missing HTTP_PORT}
    api_port=${5:?missing API_PORT}
    mkdir -p "$run"
    ensure_certificate
    NANBYO_NGINX_USER=$( [ "$(id -u)" = 0 ] && echo www-data || id -un ) \
    NANBYO_RUN_DIR=$run \
    NANBYO_JS_DIR=$root/docker/nginx \
    NANBYO_POSTGREST=127.0.0.1:$api_port \
    NANBYO_WEB_ORIGIN=https://127.0.0.1:$https_port \
    NANBYO_LISTEN=127.0.0.1 \
    NANBYO_HTTPS_PORT=$https_port \
    NANBYO_PUBLIC_HTTPS_PORT=$https_port \
    NANBYO_HTTP_PORT=$http_port \
    NANBYO_TLS_CERT=$dir/tls/cert.pem \
    NANBYO_TLS_KEY=$dir/tls/key.pem \
    NANBYO_WEB_ROOT=$(web_root) \
      "$root/docker/nginx/render.sh" "$root/docker/nginx/nanbyo.conf.template" "$conf.new"
    nginx -t -q -p "$run" -c "$conf.new" -e "$run/error.log"
    mv "$conf.new" "$conf"
    if nginx_running; then
      nginx -s reload -p "$run" -c "$conf" -e "$run/error.log"
    else
      nginx -p "$run" -c "$conf" -e "$run/error.log"
    fi
    for _ in $(seq 50); do
      if curl -sf -o /dev/null --cacert "$dir/tls/cert.pem" "https://127.0.0.1:$https_port/"; then exit 0; fi
      sleep 0.1
    done
    echo "[edge] nginx did not come up on https://127.0.0.1:$https_port; its log:" >&2
    tail -n 20 "$run/error.log" >&2
    exit 1
    ;;
  down)
    if nginx_running; then
      kill -QUIT "$(cat "$run/nginx.pid")"
      for _ in $(seq 50); do nginx_running || break; sleep 0.1; done
    fi
    exit 0
    ;;
  *)
    echo "usage: edge.sh up|down NAME ..." >&2
    exit 2
    ;;
esac
