#!/usr/bin/env bash
# Writes the nginx configuration of nanbyo-db: docker/nginx/nanbyo.conf.template
# with its ${NANBYO_…} placeholders filled from the environment (each one
# must be set), every other `$` left to nginx. Used by .ci/edge.sh (the local
# stacks) and by the Docker image (docker/nginx/Dockerfile).
#   render.sh TEMPLATE OUTPUT
set -euo pipefail
template=${1:?usage: render.sh TEMPLATE OUTPUT}
output=${2:?usage: render.sh TEMPLATE OUTPUT}
names=$(grep -o '\${NANBYO_[A-Z_]*}' "$template" | sort -u)
for n in $names; do
  v=${n#\$\{}; v=${v%\}}
  if [ -z "${!v:-}" ]; then
    echo "render.sh: $v is not set" >&2
    exit 1
  fi
done
envsubst "$(echo $names)" < "$template" > "$output"
