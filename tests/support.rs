//! Helpers shared by the integration tests.

use std::path::PathBuf;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().map(PathBuf::from).unwrap_or_default()
}

/// `tests/fixtures/<rel>`.
pub fn fixture(rel: &str) -> PathBuf {
    workspace_root().join("tests").join("fixtures").join(rel)
}

/// The shared corpus beside the checkout (`../shared/corpus`), when present.
pub fn shared_corpus() -> Option<PathBuf> {
    let p = workspace_root().parent()?.join("shared").join("corpus");
    p.is_dir().then_some(p)
}
