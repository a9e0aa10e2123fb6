//! What this build of the core is: reported by the extension and the check
//! tool so that a user can tell which rules judged a form.

use serde::Serialize;

/// Name and version of the core library that was compiled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BuildInfo {
    pub name: &'static str,
    pub version: &'static str,
}

/// The build information of this core library.
pub fn build_info() -> BuildInfo {
    BuildInfo { name: env!("CARGO_PKG_NAME"), version: env!("CARGO_PKG_VERSION") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_the_crate_version() {
        let info = build_info();
        assert_eq!(info.name, "nanbyo-core");
        assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
        assert!(!info.version.is_empty());
    }

    #[test]
    fn serialises_as_a_flat_json_object() {
        let json = serde_json::to_value(build_info()).unwrap();
        assert_eq!(json["name"], "nanbyo-core");
        assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    }
}
