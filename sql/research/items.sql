-- Which form items a research extraction (D3) may hold: decided from the
-- form definitions (nanbyo.data_dictionary), never from a list of our own.
--   refused: an item the definition marks `personal`; every item of the
--            patient and doctor blocks (name, kana, birth date, address,
--            postal code, sex — given as its own column —, the doctor's and
--            hospital's names and numbers); free text (type text without a
--            code list); an item no version of the requested diseases has
--   allowed: coded, numeric, boolean and date items (a date is given as
--            year and month only, YYYY-MM)

-- Every item of the form versions of the diseases (and of the program's
-- general form, which the diseases without a form of their own use), one
-- row per item id: its latest definition, and why it is refused (NULL:
-- allowed). An item refused in any version is refused.
CREATE OR REPLACE FUNCTION app.research_items(program text, disease_codes text[])
RETURNS TABLE (item_id text, label text, type text, type_label text, unit text, codes jsonb, block text,
               personal text, refusal text, "position" bigint)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  WITH defs AS (
    SELECT d.i ->> 'item_id' AS item_id, d.i, v.effective_from, v.id AS version_id, d.n,
           CASE
             WHEN d.i ->> 'personal' IS NOT NULL THEN 'personal'
             WHEN split_part(coalesce(d.i ->> 'block', ''), '@', 1) IN ('patient', 'doctor') THEN 'identifying_block'
             WHEN d.i ->> 'type' = 'text' AND coalesce(jsonb_array_length(d.i -> 'codes'), 0) = 0 THEN 'free_text'
           END AS refusal
      FROM app.form_versions v
     CROSS JOIN LATERAL jsonb_array_elements(nanbyo.data_dictionary(v.definition)) WITH ORDINALITY AS d (i, n)
     WHERE v.program = research_items.program
       AND (v.disease_code = ANY (research_items.disease_codes)
            OR v.disease_code = app.general_form_code(research_items.program))
  )
  SELECT DISTINCT ON (x.item_id) x.item_id, x.i ->> 'label', x.i ->> 'type', x.i ->> 'type_label', x.i ->> 'unit',
         coalesce(x.i -> 'codes', '[]'), x.i ->> 'block', x.i ->> 'personal',
         (SELECT y.refusal FROM defs y WHERE y.item_id = x.item_id AND y.refusal IS NOT NULL LIMIT 1),
         min(x.n) OVER (PARTITION BY x.item_id)
    FROM defs x
   ORDER BY x.item_id, x.effective_from DESC, x.version_id DESC
$$;

-- The Japanese reason of a refusal code of app.research_items.
CREATE OR REPLACE FUNCTION app.research_item_refusal_label(refusal text)
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE refusal
    WHEN 'personal' THEN '個人情報の項目'
    WHEN 'identifying_block' THEN '患者・医師を特定できる項目'
    WHEN 'free_text' THEN '自由記載の項目'
    WHEN 'unknown' THEN '申出の疾病の様式にない項目'
  END
$$;

-- GET|POST /rpc/research_items {program, disease_codes}: every item of the
-- diseases' form definitions with whether a request may ask for it and,
-- if not, why (the web client's item list; the server decides).
CREATE OR REPLACE FUNCTION api.research_items(program text, disease_codes text[])
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  me app.accounts := app.research_operator(false);
BEGIN
  RETURN coalesce((
    SELECT jsonb_agg(jsonb_build_object('item_id', i.item_id, 'label', i.label, 'type', i.type, 'type_label', i.type_label,
                                        'unit', i.unit, 'allowed', i.refusal IS NULL, 'refusal', i.refusal,
                                        'refusal_label', app.research_item_refusal_label(i.refusal))
                     ORDER BY i.position, i.item_id)
      FROM app.research_items(program, coalesce(disease_codes, '{}')) i), '[]');
END
$$;
COMMENT ON FUNCTION api.research_items(text, text[]) IS
  '研究利用の申出で選べる項目（様式の定義から: 個人情報・患者と医師のブロック・自由記載は選べない、その理由）（運営主体）';
