//! Check-digit validation of the public identifiers on forms.

use pgrx::prelude::*;

/// 公費負担者番号 (8 digits, check digit, prefecture 01–47).
#[pg_extern(immutable, strict, parallel_safe)]
fn valid_public_payer_number(number: &str) -> bool {
    nanbyo_core::identifiers::valid_public_payer_number(number)
}

/// 公費受給者番号 (7 digits, check digit).
#[pg_extern(immutable, strict, parallel_safe)]
fn valid_recipient_number(number: &str) -> bool {
    nanbyo_core::identifiers::valid_recipient_number(number)
}

/// 医療機関コード (10 digits by its prefecture's rule; 7 digits by format).
#[pg_extern(immutable, strict, parallel_safe)]
fn valid_medical_institution_code(code: &str) -> bool {
    nanbyo_core::identifiers::valid_medical_institution_code(code)
}
