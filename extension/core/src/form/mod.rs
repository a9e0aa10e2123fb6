//! Form versions (様式): definitions as data, compiled once, judged in one pass.

pub mod blocks;
pub mod carry_over;
pub mod compiled;
pub mod definition;
pub mod finding;
pub mod item_value;
pub mod judgment;
pub mod layout;
pub mod masking;

pub use compiled::{CompiledForm, DefinitionError};
pub use finding::Finding;
pub use judgment::{Judgment, PrimaryJudgment};
