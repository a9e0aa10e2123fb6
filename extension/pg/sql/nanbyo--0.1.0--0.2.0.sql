-- nanbyo 0.1.0 → 0.2.0 (ALTER EXTENSION nanbyo UPDATE, run by every deploy's
-- sql/foundation/code_reset.sql). The functions 0.2.0 adds, as
-- `cargo pgrx schema` writes them for 0.2.0; none of 0.1.0's changed its
-- signature or attributes. .ci/upgrade-test.sh checks that 0.1.0 plus
-- this script defines exactly what a fresh 0.2.0 does.


/* <begin connected objects> */
-- nanbyo::bulk_export::bulk_xml_footer
CREATE  FUNCTION "bulk_xml_footer"() RETURNS TEXT /* & '_ str */
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'bulk_xml_footer_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- nanbyo::bulk_export::bulk_xml_form
CREATE  FUNCTION "bulk_xml_form"(
	"form" jsonb /* JsonB */
) RETURNS TEXT /* String */
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'bulk_xml_form_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- nanbyo::bulk_export::bulk_xml_header
CREATE  FUNCTION "bulk_xml_header"(
	"hospital" TEXT, /* & str */
	"doctor" TEXT, /* Option < & str > */
	"generated_at" TEXT /* Option < & str > */
) RETURNS TEXT /* String */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'bulk_xml_header_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- nanbyo::bulk_export::data_dictionary
CREATE  FUNCTION "data_dictionary"(
	"definition" jsonb /* JsonB */
) RETURNS jsonb /* JsonB */
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'data_dictionary_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- nanbyo::form_layout::form_layout
CREATE  FUNCTION "form_layout"(
	"definition" jsonb /* JsonB */
) RETURNS jsonb /* JsonB */
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'form_layout_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- nanbyo::csv::csv_records
CREATE  FUNCTION "csv_records"(
	"csv" TEXT /* & str */
) RETURNS TABLE (
	"line" INT,  /* i32 */
	"fields" TEXT[]  /* Vec < String > */
)
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'csv_records_wrapper';
/* </end connected objects> */
