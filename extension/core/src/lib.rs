//! nanbyo-core: the domain logic of nanbyo-db, with no database attached.
//!
//! Everything here is plain Rust so that it can be unit-tested quickly and
//! shared by the PostgreSQL extension (`extension/pg`) and the offline check
//! tool (`extension/check`). The extension only converts types and calls in.

pub mod access_key;
pub mod accounts;
pub mod auth;
pub mod build_info;
pub mod bulk;
pub mod bundled;
pub mod csv;
pub mod error;
pub mod expr;
pub mod form;
pub mod golden;
pub mod identifiers;
pub mod kana;
pub mod lru;
pub mod normalize;
pub mod patient;
pub mod text_hygiene;

pub use build_info::{build_info, BuildInfo};
pub use error::{ErrorCode, ErrorKind};
pub use form::{CompiledForm, DefinitionError, Finding, Judgment, PrimaryJudgment};
