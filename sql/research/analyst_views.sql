-- What the analysts' SQL role (nanbyo_analyst, policies/research/analysts.sql)
-- reads beside the outputs in research.*: the requests without the
-- researcher's name and the operator's notes (what, when, how many rows).
CREATE OR REPLACE VIEW research.requests AS
  SELECT r.id AS request_id, r.program, r.disease_codes, r.fiscal_years, r.items,
         CASE WHEN r.link_approved THEN r.linked_to END AS linked_to, r.ndb_linkage_approved AS ndb_linkage,
         r.state, r.decided_at AS approved_at, r.finished_at, r.row_count
    FROM app.research_requests r
   WHERE r.state IN ('approved', 'running', 'done', 'failed');
COMMENT ON VIEW research.requests IS '研究利用の申出（承認済み）: 制度・疾病・年度・項目・状態・行数（研究者名は含まない）';
