//! Shared blocks of items (patient header, record, doctor, consent) that every
//! disease form includes by name. They are bundled with the core, so the
//! server and the offline check tool use the same ones; a changed block gets a
//! new name (`patient@2`), never a silent edit.

use super::definition::BlockDefinition;
use std::sync::LazyLock;

/// (name, JSON) of every file in extension/core/forms/blocks/, listed by
/// build.rs.
const SOURCES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/bundled_blocks.rs"));

static BLOCKS: LazyLock<Vec<BlockDefinition>> = LazyLock::new(|| {
    SOURCES
        .iter()
        .map(|(name, text)| {
            let b: BlockDefinition =
                serde_json::from_str(text).unwrap_or_else(|e| panic!("bundled block {name} is invalid: {e}"));
            assert_eq!(b.block, *name, "bundled block file name and id differ");
            b
        })
        .collect()
});

/// The block of that name, if bundled.
pub fn get(name: &str) -> Option<&'static BlockDefinition> {
    BLOCKS.iter().find(|b| b.block == name)
}

/// Names of all bundled blocks.
pub fn names() -> impl Iterator<Item = &'static str> {
    SOURCES.iter().map(|(n, _)| *n)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_bundled_block_parses() {
        let names: Vec<&str> = super::names().collect();
        for expected in ["patient@1", "record@1", "doctor@1", "consent@1"] {
            assert!(names.contains(&expected), "{expected}");
        }
        for name in names {
            let b = super::get(name).unwrap();
            assert!(!b.items.is_empty(), "{name}");
        }
    }
}
