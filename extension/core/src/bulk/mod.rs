//! Bulk registration from hospital systems (B9, C4): the XML format
//! (docs/bulk-xml.md, docs/bulk-xml.xsd), a streaming reader, and the checks
//! shared by the offline check tool and the server's import.

pub mod check;
pub mod docs;
pub mod patient_register;
pub mod position;
pub mod reader;
pub mod versions;
pub mod writer;
