-- Text rules every domain applies to what users type.

-- Whether a text holds characters nobody types on purpose and that hide or
-- disguise what is shown: control characters (other than tab and line
-- breaks), zero-width and invisible formatting characters, and the
-- bidirectional overrides and isolates. The extension's one rule
-- (extension/core/src/text_hygiene.rs), also applied by the bulk reader.
CREATE OR REPLACE FUNCTION app.has_hidden_characters(value text)
-- (no SET clause, so a query can inline it)
RETURNS boolean LANGUAGE sql IMMUTABLE
AS $$ SELECT nanbyo.has_hidden_characters(value) $$;
