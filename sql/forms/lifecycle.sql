-- The form lifecycle's rules, in one place for every path that moves a
-- form: online entry (sql/forms/drafts.sql), the bulk import
-- (sql/bulk_import/import.sql) and the municipality
-- (sql/municipality/operations.sql). The allowed steps are the vocabulary's
-- app.form_status_transitions:
--   draft ──confirm──► confirmed ──issue key──► issued ──take over──►
--   taken_over ──review──► reviewed ──register──► registered
-- Each problem is answered as 'CODE:message' (NULL: none), so a set-based
-- import can report it per form and an api function can raise it
-- (app.raise_problem in sql/foundation/errors.sql).

-- A form version no longer registrable online (B1): no new form, no
-- confirmation on it.
CREATE OR REPLACE FUNCTION app.version_closed_problem(online_until date, version_label text)
RETURNS text
LANGUAGE sql
STABLE
AS $$
  SELECT CASE WHEN online_until < current_date THEN
    format('E_FORM_VERSION_CLOSED:様式「%s」はオンラインで登録できる期間を過ぎています。新しい様式で作成し直してください。',
           version_label) END
$$;

-- Whether the account `confirmer_id` (role, program) may confirm a form of
-- `program` and `purpose` whose doctor is `doctor_id` (of kind
-- `doctor_kind`): only that doctor, a doctor of the form's program, and a
-- 協力難病指定医 only a renewal. (Online, the confirming doctor becomes the
-- form's doctor first; a bulk file names its doctor, who must be the one
-- who sends it.)
CREATE OR REPLACE FUNCTION app.confirmation_problem(confirmer_id bigint, confirmer_role text,
                                                    confirmer_program text, doctor_id bigint,
                                                    doctor_kind text, program text, purpose text)
RETURNS text
LANGUAGE sql
IMMUTABLE
AS $$
  SELECT CASE
    WHEN confirmer_id IS DISTINCT FROM doctor_id THEN
      'E_CONFIRM_NEEDS_DOCTOR:確定（status="confirmed"）で登録できるのは、その票の指定医が自分で送信するときだけです。'
    WHEN confirmer_role IS DISTINCT FROM 'doctor' THEN
      'E_DOCTOR_ONLY:票を確定できるのは指定医です。'
    WHEN confirmer_program IS DISTINCT FROM program THEN
      'E_DOCTOR_PROGRAM:この制度の票を確定できる指定医ではありません。'
    WHEN doctor_kind = 'cooperating' AND purpose IS DISTINCT FROM 'renewal' THEN
      'E_COOPERATING_RENEWAL_ONLY:協力難病指定医が確定できるのは更新申請の票だけです。'
  END
$$;

-- A status change the lifecycle does not allow (it never goes back).
CREATE OR REPLACE FUNCTION app.transition_problem(from_status text, to_status text)
RETURNS text
LANGUAGE sql
STABLE
AS $$
  SELECT CASE WHEN from_status IS DISTINCT FROM to_status AND NOT EXISTS (
      SELECT FROM app.form_status_transitions t WHERE t.from_status = $1 AND t.to_status = $2) THEN
    format('E_FORM_STATUS:票の状態を「%s」から「%s」には変更できません。',
           coalesce((SELECT label_ja FROM app.form_statuses WHERE code = $1), $1),
           coalesce((SELECT label_ja FROM app.form_statuses WHERE code = $2), $2)) END
$$;

-- Whoever writes: the lifecycle moves forward one step at a time, and a
-- form's version, patient and hospital never change.
CREATE OR REPLACE FUNCTION app.forms_check_transition()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM app.raise_problem(app.transition_problem(OLD.status, NEW.status), '55000');
  IF (NEW.form_version_id, NEW.patient_id, NEW.hospital_id) IS DISTINCT FROM
     (OLD.form_version_id, OLD.patient_id, OLD.hospital_id) THEN
    PERFORM app.raise('55000', 'E_FORM_IMMUTABLE', '票の様式・患者・医療機関は変更できません。');
  END IF;
  RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS forms_check_transition ON app.forms;
CREATE TRIGGER forms_check_transition BEFORE UPDATE ON app.forms
  FOR EACH ROW EXECUTE FUNCTION app.forms_check_transition();
