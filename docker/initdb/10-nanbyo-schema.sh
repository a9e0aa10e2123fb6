#!/usr/bin/env bash
# First start of the database container: load sql/ then policies/ in one
# transaction (as .ci/load-schema.sh does), then give the PostgREST login role
# its password and the database the JWT secret PostgREST verifies tokens with.
# (Refusals are written to the audit log over the local socket as
# nanbyo_audit_writer, sql/046: the image's pg_hba trusts local socket
# connections; a deployment with another pg_hba must let that role in there.)
set -euo pipefail
args=()
for f in /nanbyo/sql/*.sql /nanbyo/policies/*.sql; do args+=(-f "$f"); done
psql -v ON_ERROR_STOP=1 -X -q --single-transaction -U "$POSTGRES_USER" -d "$POSTGRES_DB" "${args[@]}"
psql -v ON_ERROR_STOP=1 -X -q -U "$POSTGRES_USER" -d "$POSTGRES_DB" \
  -v pw="$AUTHENTICATOR_PASSWORD" -c "ALTER ROLE authenticator PASSWORD :'pw'"
psql -v ON_ERROR_STOP=1 -X -q -U "$POSTGRES_USER" -d "$POSTGRES_DB" -v secret="$JWT_SECRET" \
  -c "UPDATE app.server_secrets SET value = :'secret' WHERE name = 'jwt_secret'"
