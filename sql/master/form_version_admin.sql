-- Form versions maintained by the operator admin (D4, B1): publish a new
-- version (POST /rpc/publish_form_version), set the last day an old one can
-- be registered online (POST /rpc/set_form_version_online_until), and
-- GET /form_version_periods: every version with its periods (online from
-- effective_from to online_until; on paper until paper_until, a year later).
-- The definition itself is checked by the extension (the insert trigger of
-- app.form_versions, sql/forms/form_versions.sql) and never changes.

-- The rules of a version's last online day, shared by both calls: not
-- before the version takes effect, before its successor takes effect, and
-- not a day already past on which forms of it were registered online.
CREATE OR REPLACE FUNCTION app.online_until_problem(v app.form_versions, last_day date)
RETURNS text
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  successor app.form_versions;
BEGIN
  IF last_day IS NULL THEN
    RETURN 'E_ONLINE_UNTIL_REQUIRED:オンライン登録の最終日を入力してください。';
  END IF;
  IF last_day < v.effective_from THEN
    RETURN format('E_ONLINE_UNTIL_BEFORE_EFFECTIVE:オンライン登録の最終日（%s）は、様式「%s」の適用開始日（%s）以降の日付にしてください。',
                  last_day, v.version_label, v.effective_from);
  END IF;
  SELECT * INTO successor FROM app.form_versions s
   WHERE s.disease_code = v.disease_code AND s.effective_from > v.effective_from
   ORDER BY s.effective_from LIMIT 1;
  IF FOUND AND last_day >= successor.effective_from THEN
    RETURN format('E_ONLINE_UNTIL_AFTER_SUCCESSOR:新しい様式「%s」が %s から適用されるため、オンライン登録の最終日は %s 以前にしてください。',
                  successor.version_label, successor.effective_from, successor.effective_from - 1);
  END IF;
  IF last_day < current_date AND EXISTS (
       SELECT FROM app.forms f WHERE f.form_version_id = v.id AND f.created_at::date > last_day) THEN
    RETURN format('E_ONLINE_UNTIL_PAST:%s より後にこの様式でオンライン登録された票があるため、最終日をその日より前にはできません。',
                  last_day);
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION app.set_online_until(v app.form_versions, last_day date)
RETURNS app.form_versions
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  row app.form_versions;
BEGIN
  PERFORM app.raise_problem(app.online_until_problem(v, last_day), '22023');
  UPDATE app.form_versions f SET online_until = last_day WHERE f.id = v.id RETURNING * INTO row;
  PERFORM app.audit('master.form_version.online_until', 'success', 'form_version', v.id::text,
    jsonb_build_object('disease_code', v.disease_code, 'version_label', v.version_label,
                       'online_until_before', v.online_until, 'online_until', last_day));
  RETURN row;
END
$$;

CREATE OR REPLACE FUNCTION app.form_version_period(v app.form_versions)
RETURNS jsonb
LANGUAGE sql
STABLE
AS $$
  SELECT jsonb_build_object('id', v.id, 'disease_code', v.disease_code, 'program', v.program,
                            'disease_name', v.disease_name, 'version_label', v.version_label,
                            'effective_from', v.effective_from, 'online_until', v.online_until,
                            'paper_until', app.paper_accepted_until(v.online_until, v.paper_until))
$$;

-- POST /rpc/publish_form_version (operator admin): a new version of a
-- disease's form. Its effective_from must be after the newest version's;
-- the version it replaces gets its last online day: previous_online_until,
-- or the day before the new one takes effect.
CREATE OR REPLACE FUNCTION api.publish_form_version(definition jsonb, previous_online_until date DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.master_admin();
  summary jsonb;
  disease text;
  effective date;
  previous app.form_versions;
  added app.form_versions;
BEGIN
  IF publish_form_version.definition IS NULL OR jsonb_typeof(publish_form_version.definition) <> 'object' THEN
    PERFORM app.raise('22023', 'E_FORM_DEFINITION_REQUIRED', '様式定義（JSON オブジェクト）を送ってください。');
  END IF;
  -- the extension's checks of a definition (its own errors, 400)
  summary := nanbyo.validate_form_definition(publish_form_version.definition);
  disease := summary ->> 'disease_code';
  effective := (summary ->> 'effective_from')::date;
  PERFORM pg_advisory_xact_lock(hashtext('nanbyo.form_version:' || disease));
  IF EXISTS (SELECT FROM app.form_versions v
              WHERE v.disease_code = disease AND v.version_label = summary ->> 'version_label') THEN
    PERFORM app.raise('23505', 'E_FORM_VERSION_EXISTS',
      format('疾病 %s の様式「%s」は既に公開されています。', disease, summary ->> 'version_label'));
  END IF;
  SELECT * INTO previous FROM app.form_versions v WHERE v.disease_code = disease
   ORDER BY v.effective_from DESC, v.id DESC LIMIT 1;
  IF FOUND THEN
    IF previous.program <> summary ->> 'program' THEN
      PERFORM app.raise('22023', 'E_FORM_VERSION_PROGRAM',
        format('疾病 %s の様式は %s の制度のものです。制度を変えた版は公開できません。', disease, previous.program));
    END IF;
    IF effective <= previous.effective_from THEN
      PERFORM app.raise('22023', 'E_FORM_VERSION_NOT_NEWER',
        format('新しい版の適用開始日（%s）は、現在の版「%s」の適用開始日（%s）より後にしてください。',
               effective, previous.version_label, previous.effective_from));
    END IF;
  ELSIF previous_online_until IS NOT NULL THEN
    PERFORM app.raise('22023', 'E_NO_PREVIOUS_VERSION',
      format('疾病 %s には前の版がないため、前の版のオンライン最終日は指定できません。', disease));
  END IF;
  INSERT INTO app.form_versions (definition) VALUES (publish_form_version.definition) RETURNING * INTO added;
  PERFORM app.audit('master.form_version.publish', 'success', 'form_version', added.id::text,
    jsonb_build_object('disease_code', added.disease_code, 'version_label', added.version_label,
                       'effective_from', added.effective_from, 'content_hash', added.content_hash));
  IF previous.id IS NOT NULL
     AND (previous_online_until IS NOT NULL OR previous.online_until IS NULL OR previous.online_until >= effective) THEN
    previous := app.set_online_until(previous, coalesce(previous_online_until, effective - 1));
  END IF;
  RETURN app.form_version_period(added)
         || jsonb_build_object('previous', CASE WHEN previous.id IS NOT NULL THEN app.form_version_period(previous) END);
END
$$;
COMMENT ON FUNCTION api.publish_form_version(jsonb, date) IS
  '様式の新しい版の公開（運営主体の管理者）: 定義を検査し、前の版のオンライン登録最終日を設定する';

-- POST /rpc/set_form_version_online_until (operator admin).
CREATE OR REPLACE FUNCTION api.set_form_version_online_until(form_version_id bigint, last_day date)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me app.accounts := app.master_admin();
  v app.form_versions;
BEGIN
  SELECT * INTO v FROM app.form_versions f WHERE f.id = form_version_id FOR UPDATE;
  IF NOT FOUND THEN
    PERFORM app.raise('P0002', 'E_FORM_VERSION_NOT_FOUND', '指定された様式の版が見つかりません。');
  END IF;
  RETURN app.form_version_period(app.set_online_until(v, last_day));
END
$$;
COMMENT ON FUNCTION api.set_form_version_online_until(bigint, date) IS
  '様式の版のオンライン登録最終日の設定（運営主体の管理者）: 紙の様式はその1年後まで';

-- GET /form_version_periods: every version with its periods and whether it
-- is the one in force today.
CREATE OR REPLACE VIEW api.form_version_periods
WITH (security_invoker = true) AS
SELECT v.id, v.disease_code, v.program, v.disease_name, v.version_label, v.effective_from,
       v.effective_from AS online_from, v.online_until,
       app.paper_accepted_until(v.online_until, v.paper_until) AS paper_until,
       CASE WHEN v.effective_from > current_date THEN 'upcoming'
            WHEN app.paper_accepted_until(v.online_until, v.paper_until) < current_date THEN 'closed'
            WHEN v.online_until < current_date THEN 'paper_only'
            ELSE 'online' END AS state,
       v.created_at
  FROM app.form_versions v;
COMMENT ON VIEW api.form_version_periods IS
  '様式の版と期間（適用開始日・オンライン登録最終日・紙の様式の受付最終日）';
