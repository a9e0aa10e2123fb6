-- 0.2.0, foundation: the machine's primary judgment (一次判定) joins the one
-- vocabulary with its Japanese labels, which the print kept to itself; the
-- codes are the extension's (nanbyo_core::form::PrimaryJudgment).
CREATE TABLE app.primary_judgments (
  code      text PRIMARY KEY,
  label_ja  text NOT NULL
);
COMMENT ON TABLE app.primary_judgments IS '一次判定（機械判定）の結果';
INSERT INTO app.primary_judgments VALUES
  ('meets', '基準を満たす'),
  ('does_not_meet', '基準を満たさない'),
  ('needs_review', '要審査');
