-- The OpenAPI rows of the research extraction (D3, sql/research/): loaded
-- after sql/foundation/api_docs.sql (which empties the tables first).
INSERT INTO app.api_doc_schemas (name, schema)
SELECT 'ResearchRequestState', jsonb_build_object(
  'type', 'string', 'enum', jsonb_agg(s.code ORDER BY s.position),
  'description', '研究利用の申出の状態 / state of a research request (app.research_requests.state)',
  'x-enum-labels', jsonb_object_agg(s.code, s.label))
  FROM app.research_request_states() s;

INSERT INTO app.api_doc_schemas (name, schema) VALUES
  ('ResearchRequest', '{"type": "object",
     "required": ["id", "researcher_name", "researcher_affiliation", "purpose", "program", "disease_codes", "fiscal_years", "items",
                  "linked_to", "ndb_linkage", "link_approved", "ndb_linkage_approved", "state", "submitted_by", "submitted_at",
                  "decided_by", "decided_at", "decision_note", "started_at", "finished_at", "failure", "row_count"],
     "properties": {"id": {"type": "integer"}, "researcher_name": {"type": "string"}, "researcher_affiliation": {"type": "string"},
                    "purpose": {"type": "string"}, "program": {"$ref": "#/components/schemas/Program"},
                    "disease_codes": {"type": "array", "items": {"type": "string"}},
                    "fiscal_years": {"type": "array", "items": {"type": "integer"}},
                    "items": {"type": "array", "items": {"type": "string"}, "description": "様式の項目ID / form item ids"},
                    "linked_to": {"type": ["integer", "null"], "description": "連結を求める申出 / the request it asks to be linked to"},
                    "ndb_linkage": {"type": "boolean", "description": "NDB連結IDの列を求める / asks for the NDB linkage id column"},
                    "link_approved": {"type": "boolean", "description": "連結（同じ仮名）を承認済み / linkage (same pseudonyms) approved"},
                    "ndb_linkage_approved": {"type": "boolean"},
                    "state": {"$ref": "#/components/schemas/ResearchRequestState"},
                    "submitted_by": {"type": ["string", "null"], "description": "入力した職員のログインID / login id of the staff who entered it"},
                    "submitted_at": {"type": "string", "format": "date-time"},
                    "decided_by": {"type": ["string", "null"]}, "decided_at": {"type": ["string", "null"], "format": "date-time"},
                    "decision_note": {"type": ["string", "null"], "description": "承認の備考・却下の理由 / approval note or rejection reason"},
                    "started_at": {"type": ["string", "null"], "format": "date-time"},
                    "finished_at": {"type": ["string", "null"], "format": "date-time"},
                    "failure": {"type": ["string", "null"], "description": "失敗の理由 / why the run failed"},
                    "row_count": {"type": ["integer", "null"], "description": "抽出した行数 / rows extracted"}}}');

INSERT INTO app.api_docs (name, description_en, parameters, response_schema, response_media) VALUES
  ('submit_research_request', 'Submit a research (anonymised data provision) request on a researcher''s behalf (operator staff or admin): researcher, purpose, program, diseases, fiscal years and form items; items the form definitions mark personal, free text and the patient and doctor blocks are refused (400 E_RESEARCH_ITEM_REFUSED). Audited.',
   '{"researcher_name": "研究者の氏名 / researcher''s name", "researcher_affiliation": "研究者の所属 / researcher''s affiliation",
     "purpose": "利用目的 / purpose", "program": "制度 / program", "disease_codes": "疾病コード（1〜100件）/ disease codes (1 to 100)",
     "fiscal_years": "年度（1〜20件）/ fiscal years (1 to 20)", "items": "様式の項目ID / form item ids",
     "linked_to": "連結を求める申出（同じ仮名）/ the request to link to (same pseudonyms)",
     "ndb_linkage": "NDB連結IDの列を求める / ask for the NDB linkage id column"}',
   '{"$ref": "#/components/schemas/ResearchRequest"}', NULL),
  ('approve_research_request', 'Approve a submitted research request (operator admin); linked and ndb_linkage grant what the request asked for (the linked request reuses the pseudonym key of the one it links to, which must be approved). The nightly job runs it.',
   '{"request_id": "申出のID / request id", "linked": "連結を承認する / approve the linkage",
     "ndb_linkage": "NDB連結を承認する / approve the NDB linkage", "note": "備考 / note"}',
   '{"$ref": "#/components/schemas/ResearchRequest"}', NULL),
  ('reject_research_request', 'Reject a submitted research request with the reason (operator admin). Audited.',
   '{"request_id": "申出のID / request id", "reason": "却下の理由 / reason"}',
   '{"$ref": "#/components/schemas/ResearchRequest"}', NULL),
  ('research_requests', 'Every research request, newest first (operator), optionally of one state.',
   '{"state": "状態 / state"}',
   '{"type": "array", "items": {"$ref": "#/components/schemas/ResearchRequest"}}', NULL),
  ('research_extraction_csv', 'Download the pseudonymised extraction of a done request as CSV (operator; columns in the order of its data dictionary; docs/research-extraction.md). Audited.',
   '{"request_id": "申出のID / request id"}', NULL, '{text/csv}'),
  ('research_dictionary', 'The data dictionary of a done request''s CSV, generated from the form definitions: column, label, type, unit, codes with labels (operator; JSON, or CSV with Accept: text/csv). Audited.',
   '{"request_id": "申出のID / request id"}', NULL, '{application/json,text/csv}'),
  ('research_summary', 'The summary of a done request: patients by disease × fiscal year × sex × age band with totals (*), counts 1 to 9 and the cells that would reveal them hidden (operator; JSON, or CSV with Accept: text/csv). Audited.',
   '{"request_id": "申出のID / request id"}', NULL, '{application/json,text/csv}');

INSERT INTO app.api_docs (name, description_en, parameters, response_schema, response_media) VALUES
  ('research_items', 'The items of the diseases'' form definitions (and the program''s general form) with whether a research request may ask for them and, if not, why (operator).',
   '{"program": "制度 / program", "disease_codes": "疾病コード / disease codes"}',
   '{"type": "array", "items": {"type": "object", "required": ["item_id", "label", "type", "allowed", "refusal", "refusal_label"],
     "properties": {"item_id": {"type": "string"}, "label": {"type": ["string", "null"]}, "type": {"type": ["string", "null"]},
                    "type_label": {"type": ["string", "null"]}, "unit": {"type": ["string", "null"]},
                    "allowed": {"type": "boolean", "description": "申出で選べる / a request may ask for it"},
                    "refusal": {"enum": ["personal", "identifying_block", "free_text", null], "description": "選べない理由 / why not"},
                    "refusal_label": {"type": ["string", "null"], "description": "日本語の理由 / the reason in Japanese"}}}}', NULL);
