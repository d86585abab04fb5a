//! Atomic file writes: the content goes to a temporary file in the target's directory, is flushed
//! to disk, and only then renamed over the target. A failure at any point (a bad item, a full
//! disk, a killed process) leaves the previous file untouched and no partial file behind.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Several files replaced together. Each is first written in full to a temporary file beside its
/// target ([`Batch::stage`]); only when every one is complete and on disk are they renamed over
/// their targets, in the order staged ([`Batch::commit`]). A failure or an interruption while
/// staging leaves every target as it was (the temporary files are removed on failure; a killed
/// process leaves `.conmon-*.tmp` files, never a changed or truncated target).
#[derive(Debug, Default)]
pub struct Batch {
    staged: Vec<(tempfile::TempPath, PathBuf)>,
}

fn temp_beside(path: &Path) -> Result<(File, tempfile::TempPath)> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp =
        tempfile::Builder::new().prefix(".conmon-").suffix(".tmp").tempfile_in(dir).map_err(|e| Error::io(e, path))?;
    Ok(tmp.into_parts())
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Batch {
        Batch::default()
    }

    /// Writes the future content of `path` to a temporary file; `write` receives a buffered
    /// writer on it.
    ///
    /// # Errors
    /// The error of `write`, or an I/O error naming `path`; nothing of the batch is committed.
    pub fn stage(&mut self, path: &Path, write: impl FnOnce(&mut BufWriter<File>) -> Result<()>) -> Result<()> {
        let (file, tmp) = temp_beside(path)?;
        let mut out = BufWriter::with_capacity(1 << 16, file);
        write(&mut out)?;
        let file = out.into_inner().map_err(|e| Error::io(e.into_error(), path))?;
        file.sync_all().map_err(|e| Error::io(e, path))?;
        self.staged.push((tmp, path.to_path_buf()));
        Ok(())
    }

    /// [`Batch::stage`] for writers that need `Seek` (zip-based formats).
    ///
    /// # Errors
    /// As [`Batch::stage`].
    pub fn stage_seekable(&mut self, path: &Path, write: impl FnOnce(&mut File) -> Result<()>) -> Result<()> {
        let (mut file, tmp) = temp_beside(path)?;
        write(&mut file)?;
        file.flush().map_err(|e| Error::io(e, path))?;
        file.sync_all().map_err(|e| Error::io(e, path))?;
        self.staged.push((tmp, path.to_path_buf()));
        Ok(())
    }

    /// Renames every staged file over its target, in the order staged; returns the targets.
    ///
    /// # Errors
    /// A rename fails (the targets renamed before it are replaced, each complete; the others
    /// keep their previous content).
    pub fn commit(self) -> Result<Vec<PathBuf>> {
        let mut done = Vec::with_capacity(self.staged.len());
        for (tmp, path) in self.staged {
            tmp.persist(&path).map_err(|e| Error::io(e.error, &path))?;
            done.push(path);
        }
        Ok(done)
    }
}

/// Writes `path` atomically: `write` receives a buffered writer on a temporary file beside it.
///
/// # Errors
/// The error of `write`, or an I/O error naming `path`. The previous content of `path` is kept.
pub fn write_file(path: &Path, write: impl FnOnce(&mut BufWriter<File>) -> Result<()>) -> Result<()> {
    let mut batch = Batch::new();
    batch.stage(path, write)?;
    batch.commit().map(drop)
}

/// [`write_file`] for writers that need `Seek` (zip-based formats): the whole temporary file is
/// handed over.
///
/// # Errors
/// As [`write_file`].
pub fn write_file_seekable(path: &Path, write: impl FnOnce(&mut File) -> Result<()>) -> Result<()> {
    let mut batch = Batch::new();
    batch.stage_seekable(path, write)?;
    batch.commit().map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_keeps_the_previous_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("poam.json");
        write_file(&path, |w| w.write_all(b"previous").map_err(|e| Error::io(e, Path::new("poam.json"))))
            .unwrap_or_else(|e| panic!("{e}"));
        let failed = write_file(&path, |w| {
            w.write_all(b"half of the new conte").map_err(|e| Error::io(e, Path::new("poam.json")))?;
            Err(Error::invalid("item 7 is bad"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&path).unwrap_or_default(), b"previous");
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap_or_else(|e| panic!("{e}"))
            .filter_map(|e| e.ok().map(|e| e.file_name()))
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn a_batch_that_fails_while_staging_changes_no_target() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (a, b) = (dir.path().join("poam.xlsx"), dir.path().join("poam.json"));
        std::fs::write(&a, b"old a").unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&b, b"old b").unwrap_or_else(|e| panic!("{e}"));
        let io = |e: std::io::Error| Error::io(e, Path::new("x"));
        let mut batch = Batch::new();
        batch.stage(&a, |w| w.write_all(b"new a").map_err(io)).unwrap_or_else(|e| panic!("{e}"));
        let failed = batch.stage(&b, |w| {
            w.write_all(b"half of new b").map_err(io)?;
            Err(Error::invalid("the disk is full"))
        });
        assert!(failed.is_err());
        drop(batch);
        assert_eq!(std::fs::read(&a).unwrap_or_default(), b"old a");
        assert_eq!(std::fs::read(&b).unwrap_or_default(), b"old b");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap_or_else(|e| panic!("{e}")).count(), 2, "temporary files left");
        // A batch that stages everything commits in order.
        let mut batch = Batch::new();
        batch.stage(&a, |w| w.write_all(b"new a").map_err(io)).unwrap_or_else(|e| panic!("{e}"));
        batch.stage(&b, |w| w.write_all(b"new b").map_err(io)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(batch.commit().unwrap_or_default(), vec![a.clone(), b.clone()]);
        assert_eq!(std::fs::read(&b).unwrap_or_default(), b"new b");
    }
}
