#!/usr/bin/env bash
# The backup and point-in-time-recovery test (issue #22, `make restore-test`):
# pgBackRest with WAL archiving into a local, encrypted repository
# (aes-256-cbc; the passphrase in a file of its own, outside the repository
# and outside the configuration that names the repository).
#
#   1. a cluster with the schema and 100,000 issued forms; archive_mode on
#   2. a full backup; activity; an incremental backup; activity
#   3. the target time T; the forms', the audit log's (and its hash
#      chain's, where there is one) row counts and checksums at T
#   4. activity after T (which must not come back)
#   5. restore to T into a fresh data directory, start it, compare
#   6. the repository never holds a secret in clear: the JWT signing
#      secret and a patient's name are searched for in every file of the
#      repository (backup and WAL archive), and the repository cannot be
#      read without the passphrase
#
# Steps of the restore procedure for operators: docs/backup-and-restore.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/.ci/config.sh"
cd "$root"
dir=$RUN_DIR/restore-test
port=${RESTORE_TEST_PORT:-55520}
restored_port=$((port + 1))
stanza=nanbyo
log() { printf '[restore] %s\n' "$*"; }
cleanup() {
  [ -f "$dir/restored/postmaster.pid" ] && as_postgres "$PG_BIN/pg_ctl" -D "$dir/restored" -m immediate -w stop >/dev/null 2>&1 || true
  "$root/.ci/cluster.sh" stop "$dir/src" >/dev/null 2>&1 || true
}
trap cleanup EXIT

cleanup
rm -rf "$dir"
mkdir -p "$dir"/{repo,log,lock,spool,secret}
log "a cluster with the schema and 100,000 issued forms"
.ci/cluster.sh start "$dir/src" "$port"
.ci/load-schema.sh "$dir/src" "$port" >/dev/null
.ci/cluster.sh psql "$dir/src" "$port" -q -v keys_file=/dev/null -v drafts_file=/dev/null \
  -f tests/bench/forms_setup.sql >/dev/null

# The repository's passphrase is kept apart: a file readable by postgres
# alone, included by pgBackRest from a directory of its own. In production
# it lives in a secret store, never beside the repository.
(umask 077; openssl rand -base64 48 | tr -d '\n' > "$dir/secret/pass")
printf '[global]\nrepo1-cipher-pass=%s\n' "$(cat "$dir/secret/pass")" > "$dir/secret/cipher.conf"
chmod 600 "$dir/secret/cipher.conf"
cat > "$dir/pgbackrest.conf" <<CONF
[global]
repo1-path=$dir/repo
repo1-cipher-type=aes-256-cbc
repo1-retention-full=2
log-path=$dir/log
lock-path=$dir/lock
spool-path=$dir/spool
log-level-console=warn
start-fast=y
compress-type=lz4

[$stanza]
pg1-path=$dir/src/pgdata
pg1-socket-path=$dir/src
pg1-port=$port
CONF
chown -R postgres:postgres "$dir"
chmod 700 "$dir/secret"
bk=(pgbackrest --config="$dir/pgbackrest.conf" --config-include-path="$dir/secret" --stanza=$stanza)

log "WAL archiving on"
as_postgres tee -a "$dir/src/pgdata/postgresql.conf" >/dev/null <<CONF
archive_mode = on
archive_command = '${bk[*]} archive-push %p'
archive_timeout = 60
CONF
.ci/cluster.sh stop "$dir/src"
.ci/cluster.sh start "$dir/src" "$port"
as_postgres "${bk[@]}" stanza-create
as_postgres "${bk[@]}" check

psql_src() { .ci/cluster.sh psql "$dir/src" "$port" -XAtq "$@"; }
# A round of activity: forms created and confirmed, audit entries, as the
# API would leave them (TAG names the round, so each can be found).
activity() {
  psql_src -v tag="$1" <<'SQL'
BEGIN;
INSERT INTO app.patients (hospital_id, name, name_kana, birth_date, sex, address)
SELECT (SELECT id FROM app.organisations WHERE code = '1310123455'), :'tag' || ' 患者' || n, 'カンジャ',
       DATE '1960-01-01' + n, '2', '東京都千代田区' || n
  FROM generate_series(1, 500) n;
INSERT INTO app.forms (patient_id, form_version_id, disease_code, program, hospital_id, doctor_account_id, created_by,
                       purpose, consent_db_registration, status, data, judgment, fiscal_year, confirmed_at, confirmed_by)
SELECT p.id, nanbyo.form_version_in_force('N006'), 'N006', 'nanbyo', p.hospital_id, d.id, d.id, 'renewal', true,
       'confirmed', jsonb_build_object('hoehn_yahr', 3, 'round', :'tag'), '{"primary_judgment": "meets", "errors": []}',
       2026, now(), d.id
  FROM app.patients p, app.accounts d
 WHERE d.login_id = 'bench-doctor' AND p.name LIKE :'tag' || ' %';
INSERT INTO app.audit_log (actor_account_id, actor_login_id, actor_role, action, outcome, target_kind, target_id, detail)
SELECT d.id, d.login_id, d.role, 'form.confirm', 'success', 'form', f.id::text, jsonb_build_object('round', :'tag')
  FROM app.forms f JOIN app.accounts d ON d.id = f.doctor_account_id WHERE f.data ->> 'round' = :'tag';
COMMIT;
SQL
}
# Row counts and checksums of what must survive: the forms (with their
# clinical and personal parts), the audit log, and its hash chain (the links
# sealed by the target time: pg_cron's sealer keeps adding links).
checksums() {
  "$@" -v target="$target" <<'SQL'
SELECT 'forms ' || count(*) || ' ' || md5(string_agg(f.id || ':' || f.status || ':' || f.data::text, ',' ORDER BY f.id))
  FROM app.forms f;
SELECT 'form_personal ' || count(*) || ' ' || md5(string_agg(p.form_id || ':' || p.data::text, ',' ORDER BY p.form_id))
  FROM app.form_personal p;
SELECT 'audit_log ' || count(*) || ' ' || md5(string_agg(l.id || ':' || l.at || ':' || l.action || ':' ||
         coalesce(l.target_id, '') || ':' || l.detail::text, ',' ORDER BY l.id))
  FROM app.audit_log l;
SELECT 'audit_chain ' || count(*) || ' ' || coalesce(max(seq), 0) || ' ' ||
       coalesce(md5(string_agg(encode(chain_hash, 'hex'), ',' ORDER BY seq)), '')
  FROM app.audit_chain WHERE sealed_at <= :'target';
SQL
}

log "full backup"
as_postgres "${bk[@]}" --type=full backup
activity round-a
log "incremental backup"
as_postgres "${bk[@]}" --type=incr backup
activity round-b
target=$(psql_src -c "SELECT now()")
sleep 1
checksums psql_src > "$dir/at-target.txt"
activity round-c-after-target
psql_src -c "SELECT pg_switch_wal()" >/dev/null
# wait until the WAL that holds round c is archived
for _ in $(seq 60); do
  [ "$(psql_src -c "SELECT last_archived_wal >= pg_walfile_name(pg_current_wal_lsn() - 1) FROM pg_stat_archiver")" = t ] && break
  sleep 1
done
as_postgres "${bk[@]}" info

log "restoring to $target into a fresh data directory"
install -d -o postgres -g postgres -m 700 "$dir/restored"
as_postgres "${bk[@]}" --pg1-path="$dir/restored" --type=time --target="$target" --target-action=promote \
  --archive-mode=off restore
as_postgres tee -a "$dir/restored/postgresql.conf" >/dev/null <<CONF
# the restored copy of the test, beside the original
port = $restored_port
unix_socket_directories = '$dir/restored'
CONF
as_postgres "$PG_BIN/pg_ctl" -D "$dir/restored" -l "$dir/restored.log" -w -t 300 start >/dev/null
psql_restored() { "$PG_BIN/psql" -h "$dir/restored" -p "$restored_port" -U postgres -d "$DB_NAME" -XAtq "$@"; }
for _ in $(seq 120); do [ "$(psql_restored -c 'SELECT pg_is_in_recovery()')" = f ] && break; sleep 1; done
checksums psql_restored > "$dir/restored.txt"
after=$(psql_restored -c "SELECT count(*) FROM app.forms WHERE data ->> 'round' = 'round-c-after-target'")
cat "$dir/at-target.txt"
failed=no
if ! diff -u "$dir/at-target.txt" "$dir/restored.txt"; then
  log "FAILED: the restored database differs from the original at the target time"; failed=yes
fi
if [ "$after" != 0 ]; then log "FAILED: $after forms written after the target time were restored"; failed=yes; fi

log "the repository holds no secret in clear"
jwt=$(psql_src -c "SELECT value FROM app.server_secrets WHERE name = 'jwt_secret'")
if grep -rqaF -e "$jwt" -e "round-b 患者1" "$dir/repo"; then
  log "FAILED: a secret or a patient's name is readable in the repository"; failed=yes
fi
if as_postgres pgbackrest --config="$dir/pgbackrest.conf" --stanza=$stanza info >"$dir/no-pass.txt" 2>&1; then
  log "FAILED: the repository was read without its passphrase"; failed=yes
else
  log "without the passphrase: $(grep -m1 -o 'ERROR.*' "$dir/no-pass.txt" || head -n1 "$dir/no-pass.txt")"
fi
# and the secrets table is in the backup (it must be: a restored database
# signs and checks tokens as before), so it came back identical
[ "$(psql_restored -c "SELECT value FROM app.server_secrets WHERE name = 'jwt_secret'")" = "$jwt" ] ||
  { log "FAILED: the restored server secrets differ"; failed=yes; }

[ $failed = no ] || exit 1
log "passed: restored to the point in time, forms and audit log identical, nothing in clear in the repository"
