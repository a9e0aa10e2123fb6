// The #17 acceptance flows with @supabase/postgrest-js, unmodified (run by
// tests/http/test_client_libraries.py, which checks what this prints).
// Environment: NANBYO_API_URL, DOCTOR_TOKEN (a hospital admin doctor whose
// hospital has three imported forms), EXAMPLE_FILE (a bulk file for that
// hospital), NODE_PATH (where the library is installed).
import { createRequire } from 'node:module';

const require = createRequire(process.env.NODE_PATH + '/');
const { PostgrestClient } = require('@supabase/postgrest-js');

const url = process.env.NANBYO_API_URL;
const as = (token) => new PostgrestClient(url, { schema: 'api', headers: { Authorization: `Bearer ${token}` } });
const must = ({ data, error }) => {
  if (error) throw new Error(JSON.stringify(error));
  return data;
};

const doctor = as(process.env.DOCTOR_TOKEN);
const out = {};

const found = await doctor.rpc('search_forms', {}, { count: 'exact' }).eq('status', 'confirmed').order('id');
must(found);
out.search = { count: found.count, statuses: found.data.map((f) => f.status) };

// JSON in, JSON out: the export as {hospital, forms, file}, imported back as {file}
const exported = must(await doctor.rpc('export_forms_xml', {}).setHeader('Accept', 'application/json'));
out.export = { forms: exported.forms };
const again = exported.file.replaceAll('external-id="', 'external-id="js-');
out.reimport = must(await doctor.rpc('import_forms_xml', { file: again }));

out.dry_run = must(await doctor.rpc('check_forms_xml', { file: process.env.EXAMPLE_FILE }));

const expires = new Date(Date.now() + 30 * 86400 * 1000).toISOString();
const made = must(await doctor.rpc('create_api_token', { name: 'EHR (js)', scopes: ['import'], expires_at: expires }));
const ehr = as(made.token);
const imported = must(await ehr.rpc('import_forms_xml', { file: process.env.EXAMPLE_FILE }));
must(await doctor.rpc('revoke_api_token', { token_id: made.id }));
const refused = await ehr.rpc('check_forms_xml', { file: process.env.EXAMPLE_FILE });
out.token = { imported: imported.accepted === 1, after_revocation: refused.error && refused.error.details };

console.log(JSON.stringify(out));
