//! `cleanSource`: deleting or archiving the files of committed batches, with Spark's check that archived files can
//! never be listed again by the source pattern. As in Spark, a file that cannot be moved or deleted is left where it
//! is and the query goes on.
use std::path::{Component, Path, PathBuf};

use crate::error::{EmberError, Result};
use crate::io::paths::{expand_braces, glob_match};
use crate::stream::connector::file_source::options::CleanSource;

#[derive(Debug)]
pub enum Cleaner {
    Delete,
    /// A file `/x/y/f` moves to `<base>/x/y/f`.
    Archive {
        base: PathBuf,
    },
}

/// The components of an absolute path after lexical `.`/`..` resolution (Hadoop's `Path` normalizes its URI so).
fn normalized_names(p: &Path) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for c in p.components() {
        match c {
            Component::Normal(n) => out.push(n.to_string_lossy().into_owned()),
            Component::ParentDir => {
                out.pop();
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    out
}

/// Hadoop's `GlobFilter` on one path name: `*`, `?`, `[...]`, `{a,b}` and `\` escapes.
fn glob_accepts(pattern: &str, name: &str) -> bool {
    expand_braces(pattern).iter().any(|p| glob_match(p, name))
}

/// Spark refuses an archive directory that the source pattern could match: both paths are cut to the smaller
/// depth and compared name by name, each archive name against the source's glob at that level.
fn archive_matches_source(source: &Path, archive: &Path) -> Result<bool> {
    let src = normalized_names(source);
    let arch = normalized_names(archive);
    let depth = src.len().min(arch.len());
    if depth == 0 {
        // Spark indexes the (empty) list of source globs here and fails with the bare index.
        return Err(EmberError::execution("0"));
    }
    Ok(src[..depth].iter().zip(&arch[..depth]).all(|(glob, name)| glob_accepts(glob, name)))
}

impl Cleaner {
    /// The cleaner for `mode`, after Spark's archive-path validation; None when files stay.
    pub fn new(mode: &CleanSource, source_pattern: &Path) -> Result<Option<Cleaner>> {
        Ok(match mode {
            CleanSource::Off => None,
            CleanSource::Delete => Some(Cleaner::Delete),
            CleanSource::Archive(base) => {
                if archive_matches_source(source_pattern, base)? {
                    return Err(EmberError::illegal_argument(
                        "requirement failed: Base archive path cannot be set to the path where archived path can possibly match with source pattern. Ensure the base archive path doesn't match with source pattern in depth, where the depth is minimum of depth on both paths.",
                    ));
                }
                Some(Cleaner::Archive { base: base.clone() })
            }
        })
    }

    /// Where `file` goes when archived.
    pub fn archive_target(base: &Path, file: &Path) -> PathBuf {
        base.join(file.strip_prefix("/").unwrap_or(file))
    }

    /// Delete or archive one file; failures leave it in place.
    pub fn clean(&self, file: &Path) {
        match self {
            Cleaner::Delete => {
                let _ = std::fs::remove_file(file);
            }
            Cleaner::Archive { base } => {
                let target = Self::archive_target(base, file);
                if let Some(parent) = target.parent() {
                    if std::fs::create_dir_all(parent).is_err() {
                        return;
                    }
                }
                if std::fs::rename(file, &target).is_err() {
                    // Across file systems a rename fails; Hadoop's local file system then copies and deletes.
                    if std::fs::copy(file, &target).is_ok() {
                        let _ = std::fs::remove_file(file);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(source: &str, archive: &str) -> std::result::Result<(), String> {
        let mode = CleanSource::Archive(PathBuf::from(archive));
        Cleaner::new(&mode, Path::new(source)).map(|_| ()).map_err(|e| e.message())
    }

    #[test]
    fn archive_dir_must_not_match_the_source_pattern() {
        // Accepted / refused as PySpark 4.3 does.
        assert!(check("/tmp/b/in", "/tmp/b/archive").is_ok());
        assert!(check("/tmp/b/in", "/tmp/b/in2/deeper/x").is_ok());
        assert!(check("/tmp/b/in", "/tmp/b/i*").is_ok());
        let refused = check("/tmp/b/in", "/tmp/b/in/arch").unwrap_err();
        assert!(refused.starts_with("requirement failed: Base archive path cannot be set"), "{refused}");
        assert!(check("/tmp/b/in", "/tmp/b").is_err());
        assert!(check("/tmp/b/i*", "/tmp/b/ix").is_err());
        assert!(check("/tmp/b/{in,out}", "/tmp/b/out/x").is_err());
        assert!(check("/tmp/b/in/../in", "/tmp/b/in/x").is_err());
        assert_eq!(check("/tmp/b/in", "/").unwrap_err(), "0");
    }

    #[test]
    fn archive_keeps_the_full_path_and_delete_removes() {
        let d = tempfile::tempdir().unwrap();
        let src = d.path().join("in/sub");
        std::fs::create_dir_all(&src).unwrap();
        let f = src.join("a.txt");
        std::fs::write(&f, "a").unwrap();
        let base = d.path().join("archive");
        let c = Cleaner::new(&CleanSource::Archive(base.clone()), &d.path().join("in/sub")).unwrap().unwrap();
        c.clean(&f);
        assert!(!f.exists());
        let moved = base.join(f.strip_prefix("/").unwrap());
        assert_eq!(std::fs::read_to_string(moved).unwrap(), "a");
        let g = src.join("b.txt");
        std::fs::write(&g, "b").unwrap();
        Cleaner::Delete.clean(&g);
        assert!(!g.exists());
        // A file already gone is skipped quietly.
        Cleaner::Delete.clean(&g);
        c.clean(&g);
    }
}
