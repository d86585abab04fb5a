//! Atomic file writes: the content goes to a temporary file in the target's directory, is flushed
//! to disk, and only then renamed over the target. A failure at any point (a bad item, a full
//! disk, a killed process) leaves the previous file untouched and no partial file behind.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `path` atomically: `write` receives a buffered writer on a temporary file beside it.
///
/// # Errors
/// The error of `write`, or an I/O error naming `path`. The previous content of `path` is kept.
pub fn write_file(path: &Path, write: impl FnOnce(&mut BufWriter<File>) -> Result<()>) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp =
        tempfile::Builder::new().prefix(".conmon-").suffix(".tmp").tempfile_in(dir).map_err(|e| Error::io(e, path))?;
    let (file, tmp_path) = tmp.into_parts();
    let mut out = BufWriter::with_capacity(1 << 16, file);
    write(&mut out)?;
    let file = out.into_inner().map_err(|e| Error::io(e.into_error(), path))?;
    file.sync_all().map_err(|e| Error::io(e, path))?;
    drop(file);
    tmp_path.persist(path).map_err(|e| Error::io(e.error, path))?;
    Ok(())
}

/// [`write_file`] for writers that need `Seek` (zip-based formats): the whole temporary file is
/// handed over.
///
/// # Errors
/// As [`write_file`].
pub fn write_file_seekable(path: &Path, write: impl FnOnce(&mut File) -> Result<()>) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp =
        tempfile::Builder::new().prefix(".conmon-").suffix(".tmp").tempfile_in(dir).map_err(|e| Error::io(e, path))?;
    let (mut file, tmp_path) = tmp.into_parts();
    write(&mut file)?;
    file.flush().map_err(|e| Error::io(e, path))?;
    file.sync_all().map_err(|e| Error::io(e, path))?;
    drop(file);
    tmp_path.persist(path).map_err(|e| Error::io(e.error, path))?;
    Ok(())
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
}
