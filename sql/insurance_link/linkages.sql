-- D5: a patient's current linkage id (the newest found answer), for the
-- research extraction's definer functions (a linked, approved extraction:
-- D3). The history stays in app.insurance_linkages. No API role reads it
-- (policies/insurance_link/insurance_link.sql).
CREATE OR REPLACE VIEW app.current_insurance_linkages AS
  SELECT DISTINCT ON (l.patient_id) l.patient_id, l.linkage_id, l.received_at, l.batch_id, l.line_no
    FROM app.insurance_linkages l
   ORDER BY l.patient_id, l.id DESC;
COMMENT ON VIEW app.current_insurance_linkages IS '患者ごとの現在の連携ID（最新の該当あり回答）: 研究抽出（連結・承認済み）だけが定義者関数から読む';
