//! The one way this program writes a file: whole or not at all, with an ordinary mode, and never
//! over something that is not a regular file.
//!
//! Every file `attn` leaves (a run's `config.json`, vocabularies, splits, metrics and summary; a
//! heatmap, the curves, a `.po` catalog given to `--out`) goes through [`write`]: the bytes go to a
//! temporary file in the same directory, which is flushed to the disk and renamed over the target.
//! The rename is atomic on POSIX file systems, so a crash or a full disk leaves either the old file
//! or the new one, never half of one, and no temporary file behind. The file gets [`MODE`] (less
//! the umask), as `touch` or an editor would give it, not the private 0600 of a temporary file.
//!
//! A path that already names something other than a regular file (a directory, a symbolic link, a
//! FIFO, a device such as `/dev/full`) is refused: renaming over it would replace it, and a user who
//! passes one meant something else.

use std::io::Write as _;
use std::path::Path;

use crate::TrainError;

/// The mode of every file written, before the umask: read and write for the owner, read for the
/// others.
pub const MODE: u32 = 0o644;

/// Writes `bytes` to `path` atomically, with [`MODE`]. Errors name the path, `what` saying what it
/// is (`heatmap`, `curves`, `run file`).
///
/// # Errors
///
/// `TrainError::Input` when the parent directory does not exist, `path` names no file, or names
/// something that is not a regular file; `TrainError::Io` when writing fails. On any error a file
/// already at `path` is left as it was.
///
/// # Example
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("notes.txt");
/// trainer::files::write(&path, b"one", "notes")?;
/// trainer::files::write(&path, b"two", "notes")?; // a regular file is replaced whole
/// assert_eq!(std::fs::read(&path).unwrap(), b"two");
/// let refused = trainer::files::write(dir.path(), b"x", "notes").unwrap_err();
/// assert!(refused.to_string().ends_with("is a directory, not a regular file; it is never replaced"));
/// # Ok::<(), trainer::TrainError>(())
/// ```
pub fn write(path: &Path, bytes: &[u8], what: &str) -> Result<(), TrainError> {
    let named = |problem: String| format!("cannot write {what} {:?}: {problem}", path.display().to_string());
    let dir = match path.parent() {
        Some(p) if p.as_os_str().is_empty() => Path::new("."),
        Some(p) => p,
        None => return Err(TrainError::Input(named("not a file path".into()))),
    };
    if !dir.is_dir() {
        let dir = dir.display().to_string();
        return Err(TrainError::Input(named(format!("directory {dir:?} does not exist"))));
    }
    if let Some(kind) = not_regular(path) {
        return Err(TrainError::Input(named(format!(
            "it is {kind}, not a regular file; it is never replaced"
        ))));
    }
    let io = |e: std::io::Error| TrainError::Io(named(e.to_string()));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".attn-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(MODE));
    }
    // The temporary file is deleted when dropped, so each early return below leaves nothing behind.
    let mut file = builder.tempfile_in(dir).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.as_file().sync_all().map_err(io)?;
    file.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// What `path` is when it exists and is not a regular file: "a directory", "a symbolic link", ...
/// A symbolic link is not followed: writing through it would change a file elsewhere.
fn not_regular(path: &Path) -> Option<&'static str> {
    let kind = std::fs::symlink_metadata(path).ok()?.file_type();
    if kind.is_file() {
        return None;
    }
    if kind.is_dir() {
        return Some("a directory");
    }
    if kind.is_symlink() {
        return Some("a symbolic link");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if kind.is_fifo() {
            return Some("a FIFO");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
        if kind.is_char_device() || kind.is_block_device() {
            return Some("a device");
        }
    }
    Some("not a regular file")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_get_the_stated_mode_and_replace_only_regular_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write(&path, b"first", "test file").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            // The umask may only remove bits: never more than MODE, always the owner's read-write.
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode & !MODE, 0, "{mode:o}");
            assert_eq!(mode & 0o600, 0o600, "{mode:o}");
            let link = dir.path().join("link.txt");
            std::os::unix::fs::symlink(&path, &link).unwrap();
            let error = write(&link, b"x", "test file").unwrap_err().to_string();
            assert!(
                error.ends_with("it is a symbolic link, not a regular file; it is never replaced"),
                "{error}"
            );
            assert_eq!(
                std::fs::read(&path).unwrap(),
                b"first",
                "the link's target is untouched"
            );
        }
        let missing = write(&dir.path().join("no/such/file"), b"x", "test file").unwrap_err();
        assert!(missing.to_string().contains("does not exist"), "{missing}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            if cfg!(unix) { 2 } else { 1 },
            "no temporary file is left"
        );
    }
}
