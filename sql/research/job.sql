-- The nightly research extraction job (D3): pg_cron calls
-- app.research_extraction_job() at 02:30 JST (17:30 UTC), which runs every
-- approved request one after another, each in a transaction of its own
-- (COMMIT after each: a long night's work is not one transaction, and the
-- state 'running' is visible while a request runs). Tests and operators
-- may call app.run_research_extractions() instead (one transaction,
-- a subtransaction per request).
--
-- (A procedure that commits may have no SET clause and must not be
-- SECURITY DEFINER: hence the qualified names and no search_path here.)
CREATE OR REPLACE PROCEDURE app.research_extraction_job()
LANGUAGE plpgsql
AS $$
DECLARE
  req_id bigint;
BEGIN
  FOR req_id IN SELECT x.id FROM app.research_requests x WHERE x.state = 'approved' ORDER BY x.id LOOP
    UPDATE app.research_requests x SET state = 'running', started_at = now(), updated_at = now()
     WHERE x.id = req_id AND x.state = 'approved';
    COMMIT;
    PERFORM app.run_research_extraction(req_id);
    COMMIT;
  END LOOP;
END
$$;

DO $$ BEGIN
  PERFORM cron.schedule('nanbyo-research-extractions', '30 17 * * *', 'CALL app.research_extraction_job()');
END $$;
