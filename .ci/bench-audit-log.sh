#!/usr/bin/env bash
# The operation-log benchmark of BENCHMARKS.md (D2, issue #20 item 2): ten
# years of generated audit entries (10 million by default) in a cluster of
# its own (.run/audit-bench), sealed into the hash chain, then a mix of
# searches through api.search_audit_log as the operator (p50/p95 over
# RUNS runs of each kind, parameters drawn at random), and the time to
# seal and to verify the whole chain.
#
#   .ci/bench-audit-log.sh        (AUDIT_BENCH_ENTRIES, AUDIT_BENCH_RUNS,
#                                  AUDIT_BENCH_PG_PORT to change the defaults;
#                                  AUDIT_BENCH_SEALED=N seals and verifies
#                                  the first N entries only, a multiple of
#                                  a million, when the whole would take too long)
#
# Entries: 20,000 actors (skewed: a few are busy) in 2,000 organisations;
# actions weighted like a registry's day (reads of forms, saves, logins,
# lists, key lookups, confirmations, …), about 2 % failures and refusals;
# targets are forms (2 million), accounts, patients, API paths. Straight
# INSERT … generate_series in chunks of a million, `at` spread evenly over
# ten years (so ids follow time, as they do in production).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/.ci/config.sh"
export PATH="$PG_BIN:$PATH"
cd "$root"
entries=${AUDIT_BENCH_ENTRIES:-10000000}
runs=${AUDIT_BENCH_RUNS:-200}
sealed_entries=${AUDIT_BENCH_SEALED:-$entries}
port=${AUDIT_BENCH_PG_PORT:-54452}
dir=$RUN_DIR/audit-bench
say() { printf '[bench-audit] %s\n' "$*"; }
trap '"$root/.ci/cluster.sh" stop "$dir" >/dev/null 2>&1 || true' EXIT

"$root/.ci/cluster.sh" stop "$dir" >/dev/null 2>&1 || true
rm -rf "$dir"
"$root/.ci/cluster.sh" start "$dir" "$port" >/dev/null
db=(-h "$dir" -p "$port" -U postgres -d "$DB_NAME")
psql_db() { psql -X -v ON_ERROR_STOP=1 -qAt "${db[@]}" "$@"; }
"$root/sql/deploy.sh" -- "${db[@]}" >/dev/null
say "schema deployed; $entries entries over ten years"

# months back to ten years ago; the minute sealer off (sealed below, timed)
psql_db -c "SELECT cron.unschedule('nanbyo-seal-audit-log')" >/dev/null
psql_db -c "SELECT app.ensure_audit_log_partitions(3, now() - interval '10 years')" >/dev/null
psql_db -c "SELECT 'partitions: ' || count(*) FROM pg_inherits WHERE inhparent = 'app.audit_log'::regclass"

seal_and_verify() {
  psql_db -c "VACUUM ANALYZE app.audit_log"
  local t
  t=$(date +%s.%N)
  sealed=$(psql_db -c "SELECT app.seal_audit_log(whole_log => true)")
  say "sealed $sealed entries in $(printf '%.1f' "$(echo "$(date +%s.%N) - $t" | bc)") s"
  t=$(date +%s.%N)
  psql_db -c "SELECT 'verify: ' || (app.verify_audit_chain() - 'last_chain_hash')::text"
  say "verified the chain in $(printf '%.1f' "$(echo "$(date +%s.%N) - $t" | bc)") s"
  psql_db -c "VACUUM ANALYZE app.audit_chain"
}

chunk=1000000
start=$(date +%s)
for ((lo = 1; lo <= entries; lo += chunk)); do
  hi=$(( lo + chunk - 1 < entries ? lo + chunk - 1 : entries ))
  psql_db <<SQL
INSERT INTO app.audit_log (at, request_id, actor_account_id, actor_login_id, actor_role, actor_organisation_id,
                           action, outcome, target_kind, target_id, detail)
SELECT now() - interval '10 years' + (interval '10 years' - interval '1 hour') * (g::float8 / $entries),
       'req-' || g, acc, 'B' || lpad(org::text, 4, '0') || '-' || lpad((acc % 10)::text, 4, '0'),
       CASE WHEN org = 1 THEN 'operator_staff' WHEN org % 20 = 0 THEN 'municipality_staff'
            WHEN acc % 3 = 0 THEN 'clerk' ELSE 'doctor' END,
       org, action,
       CASE WHEN action = 'request' THEN 'refused'
            WHEN action = 'access_key.lookup' AND r2 < 0.1 THEN 'failure'
            WHEN action = 'login' AND r2 < 0.03 THEN 'failure' ELSE 'success' END,
       CASE WHEN action LIKE 'form.%' OR action LIKE 'read.form%' THEN 'form'
            WHEN action IN ('login', 'logout', 'account.issue') THEN 'account'
            WHEN action = 'read.patient' THEN 'patient' WHEN action = 'request' THEN 'api' END,
       CASE WHEN action LIKE 'form.%' OR action LIKE 'read.form%' THEN (1 + floor(r2 * 2000000))::bigint::text
            WHEN action IN ('login', 'logout', 'account.issue') THEN acc::text
            WHEN action = 'read.patient' THEN (1 + floor(r2 * 1200000))::bigint::text
            WHEN action = 'request' THEN '/rpc/get_form' END,
       CASE WHEN action = 'read.forms' THEN jsonb_build_object('ids', jsonb_build_array(floor(r2 * 2000000)::bigint))
            WHEN action = 'request' THEN '{"code": "E_ROLE_NOT_ALLOWED", "sqlstate": "42501"}'::jsonb
            ELSE '{}'::jsonb END
  FROM (SELECT g, acc, 1 + acc / 10 AS org, r2,
               CASE WHEN r < 0.30 THEN 'read.form' WHEN r < 0.45 THEN 'form.save' WHEN r < 0.58 THEN 'login'
                    WHEN r < 0.68 THEN 'read.forms' WHEN r < 0.73 THEN 'access_key.lookup'
                    WHEN r < 0.78 THEN 'form.confirm' WHEN r < 0.82 THEN 'form.create'
                    WHEN r < 0.85 THEN 'read.patient' WHEN r < 0.88 THEN 'form.take_over'
                    WHEN r < 0.90 THEN 'read.form_print' WHEN r < 0.92 THEN 'logout'
                    WHEN r < 0.94 THEN 'form.certify' WHEN r < 0.96 THEN 'request'
                    WHEN r < 0.98 THEN 'bulk.import' ELSE 'account.issue' END AS action
          FROM (SELECT g, floor(random() ^ 2 * 20000)::bigint AS acc, random() AS r, random() AS r2
                  FROM generate_series($lo, $hi) g) x) y;
SQL
  say "inserted up to $hi ($(( $(date +%s) - start )) s)"
  # the chain: sealed and verified when the first AUDIT_BENCH_SEALED entries
  # are in (all of them by default; the rest stays unsealed, which the
  # searches do not read)
  if [ "$hi" = "$sealed_entries" ]; then seal_and_verify; fi
done
psql_db -c "VACUUM ANALYZE app.audit_log"
say "generated in $(( $(date +%s) - start )) s (with VACUUM ANALYZE); size: $(psql_db -c "SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits WHERE inhparent = 'app.audit_log'::regclass")"

# the searches, as the operator (the role's policy applies), each logged
psql_db <<SQL
SET ROLE operator_staff;
DO \$\$
DECLARE
  kinds text[] := ARRAY['actor + 90 days', 'target record', 'request id', 'organisation + month',
                        'action prefix + month', 'last page of ten years', 'keyset page in the middle'];
  k text;
  t timestamptz;
  times float8[];
  month timestamptz;
  rows bigint;
  total_rows bigint;
BEGIN
  FOREACH k IN ARRAY kinds LOOP
    times := '{}';
    total_rows := 0;
    FOR i IN 1 .. $runs LOOP
      month := date_trunc('month', now() - interval '10 years' + random() * interval '119 months');
      t := clock_timestamp();
      CASE k
        WHEN 'actor + 90 days' THEN
          SELECT count(*) INTO rows FROM api.search_audit_log(
            actor_login_id => 'B' || lpad((1 + floor(random() * 2000))::text, 4, '0') || '-' || lpad(floor(random() * 10)::text, 4, '0'),
            "from" => month, "to" => month + interval '90 days', "limit" => 100);
        WHEN 'target record' THEN
          SELECT count(*) INTO rows FROM api.search_audit_log(target_kind => 'form',
            target_id => (1 + floor(random() * 2000000))::bigint::text, "limit" => 100);
        WHEN 'request id' THEN
          SELECT count(*) INTO rows FROM api.search_audit_log(request_id => 'req-' || (1 + floor(random() * $entries))::bigint);
        WHEN 'organisation + month' THEN
          SELECT count(*) INTO rows FROM api.search_audit_log(organisation_id => 1 + floor(random() * 2000)::bigint,
            "from" => month, "to" => month + interval '1 month', "limit" => 100);
        WHEN 'action prefix + month' THEN
          SELECT count(*) INTO rows FROM api.search_audit_log(action => (ARRAY['read.', 'form.c', 'login', 'access_key.'])[1 + floor(random() * 4)::int],
            "from" => month, "to" => month + interval '1 month', "limit" => 100);
        WHEN 'last page of ten years' THEN
          SELECT count(*) INTO rows FROM api.search_audit_log("from" => now() - interval '10 years', "to" => now(),
            oldest_first => true, "limit" => 100);
        WHEN 'keyset page in the middle' THEN
          SELECT count(*) INTO rows FROM api.search_audit_log("from" => now() - interval '10 years', "to" => now(),
            cursor_at => month, cursor_id => 9223372036854775807, "limit" => 100);
      END CASE;
      times := times || extract(epoch FROM clock_timestamp() - t) * 1000;
      total_rows := total_rows + rows;
    END LOOP;
    RAISE NOTICE '%', format('search %s: p50 %s ms, p95 %s ms, max %s ms (%s runs, %s rows a search on average)',
      k, (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY x)::numeric, 1) FROM unnest(times) x),
         (SELECT round(percentile_cont(0.95) WITHIN GROUP (ORDER BY x)::numeric, 1) FROM unnest(times) x),
         (SELECT round(max(x)::numeric, 1) FROM unnest(times) x), $runs, round(total_rows::numeric / $runs, 1));
  END LOOP;
END
\$\$;
SQL
say "done"
