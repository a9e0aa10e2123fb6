#!/usr/bin/env bash
# The bulk-import benchmark of BENCHMARKS.md (issue #6): a 100,000-form file
# imported by api.import_forms_xml (10,000 first, to show memory does not
# grow with the file), next to COPY of the same rows as CSV into the same
# tables, and nanbyo-check on the same file. Uses the scratch stack `bench`
# (PostgreSQL on 54349, PostgREST on 3002), recreated empty for each part.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/.ci/config.sh"
cd "$root"
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"; .ci/stack.sh down bench >/dev/null 2>&1' EXIT
db() { .ci/cluster.sh psql "$RUN_DIR/bench" 54349 "$@"; }
fresh() {
  .ci/stack.sh up bench 54349 3002 --fresh >/dev/null 2>&1
  db -q -f tests/bench/bulk_setup.sql
}
ids() {
  db -Atq -c "SELECT (SELECT id FROM app.organisations WHERE code = '1310123455') || ' ' ||
                     (SELECT id FROM app.accounts WHERE login_id = 'bench-bulk-doctor') || ' ' ||
                     nanbyo.form_version_in_force('N006')"
}
# Runs the statements given and prints their output, then the backend's peak
# memory: "<private> kB private, <hwm> kB VmHWM". Private is RssAnon sampled
# every 0.1 s (the backend's own memory); VmHWM also counts the shared
# buffers it touched (up to shared_buffers, 128 MB here).
peak() {
  local app=nanbyo-bench-$$ out=$work/peak.out pid="" max=0 now
  db -Atq -c "SET application_name = '$app'" "$@" \
     -c "SELECT substring(pg_read_file('/proc/' || pg_backend_pid() || '/status') FROM 'VmHWM:\s*([0-9]+) kB')" >"$out" &
  local client=$!
  while [ -z "$pid" ] && kill -0 "$client" 2>/dev/null; do
    pid=$(db -Atq -c "SELECT pid FROM pg_stat_activity WHERE application_name = '$app'")
  done
  while [ -n "$pid" ] && [ -e "/proc/$pid/status" ] && kill -0 "$client" 2>/dev/null; do
    now=$(awk '/^RssAnon/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    [ -n "$now" ] && [ "$now" -gt "$max" ] && max=$now
    sleep 0.1
  done
  wait "$client"
  head -n -1 "$out"
  echo "$max kB private, $(tail -1 "$out") kB VmHWM"
}
claims="SELECT set_config('request.jwt.claims', json_build_object('role', 'doctor', 'sub', id::text,
          'org', organisation_id::text)::text, false) FROM app.accounts WHERE login_id = 'bench-bulk-doctor'"

fresh
read -r hospital doctor version < <(ids)
for n in 10000 100000; do
  mkdir -p "$work/$n"
  python3 tests/bench/make_bulk_file.py "$n" "$work/$n" "F$n" "$hospital" "$doctor" "$version"
done
chmod -R a+r "$work"
echo "[bench] file of 100,000 forms: $(du -h "$work/100000/forms.xml" | cut -f1)"

echo "[bench] COPY of the same 100,000 forms as CSV into the same tables (triggers on)"
start=$(date +%s.%N)
db -q -c "\\copy app.patients (hospital_id, name, name_kana, birth_date, sex, address, created_by) FROM '$work/100000/patients.csv' CSV" \
      -c "\\copy app.forms (patient_id, form_version_id, disease_code, program, hospital_id, doctor_account_id, created_by, purpose, consent_db_registration, fiscal_year, data) FROM '$work/100000/forms.csv' CSV" \
      -c "\\copy app.form_personal (form_id, fiscal_year, data) FROM '$work/100000/form_personal.csv' CSV" \
      -c "\\copy app.form_imports (hospital_id, external_id, form_id, imported_by) FROM '$work/100000/form_imports.csv' CSV"
end=$(date +%s.%N)
python3 -c "print(f'[bench] COPY: {$end - $start:.1f} s, {100000 / ($end - $start):,.0f} forms/s')"

for n in 10000 100000; do
  fresh
  echo "[bench] import of $n forms: api.import_forms_xml(pg_read_file(…)) as the doctor"
  start=$(date +%s.%N)
  hwm=$(peak -c "$claims" \
    -c "SELECT 'accepted ' || (r ->> 'accepted') || ', rejected ' || (r ->> 'rejected') FROM api.import_forms_xml(pg_read_file('$work/$n/forms.xml')) r")
  end=$(date +%s.%N)
  echo "$hwm" | head -1
  python3 -c "print(f'[bench] import of $n: {$end - $start:.1f} s, {$n / ($end - $start):,.0f} forms/s, backend peak memory $(echo "$hwm" | tail -1)')"
done

echo "[bench] reading and checking only: count(*) FROM nanbyo.read_forms_xml(pg_read_file(…)), 100,000 forms"
start=$(date +%s.%N)
hwm=$(peak -c "SELECT count(*) FROM nanbyo.read_forms_xml(pg_read_file('$work/100000/forms.xml'))")
end=$(date +%s.%N)
python3 -c "print(f'[bench] reading only: {$end - $start:.1f} s, {100000 / ($end - $start):,.0f} forms/s, backend peak memory $(echo "$hwm" | tail -1)')"

echo "[bench] nanbyo-check on the 100,000-form file"
cargo build -q --release -p nanbyo-check
/usr/bin/time -f "[bench] nanbyo-check: %e s, peak memory %M kB" target/release/nanbyo-check --today 2026-11-24 "$work/100000/forms.xml" | tail -1
