//! The lexicons in service and their hot reload.
//!
//! [`LexiconStore`] holds the compiled [`Lexicons`] in an
//! [`ArcSwap`]: requests take a snapshot (`Arc`) without a lock and finish on
//! it even if a reload swaps in a new set meanwhile. With a lexicon
//! directory, [`LexiconStore::reload`] reads every `*.lex` file (hidden files
//! skipped; symlinks followed, as Kubernetes ConfigMap mounts need),
//! compiles them and swaps the whole set atomically. A file that does not
//! compile is logged as `file:line: reason`, counted as a reload failure,
//! and the old set stays in service.
//!
//! [`LexiconStore::poll`] is the cheap change check the server runs every
//! `--lexicon-poll-interval`: it compares names, sizes and modification
//! times, and only when those moved reads the files and compares a hash of
//! their contents, so an unchanged directory costs a few `stat` calls.
//! SIGHUP calls [`LexiconStore::reload`] directly.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use arc_swap::ArcSwap;
use textstance_engine::{LexiconError, LexiconSource, Lexicons};
use tokio::sync::watch;

use crate::metrics::Metrics;

/// Why lexicons could not be (re)loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReloadError {
    /// The directory or a file could not be read.
    #[error("cannot read lexicon directory {dir}: {source}")]
    Io {
        /// The directory.
        dir: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The directory holds no `*.lex` file.
    #[error("lexicon directory {0} holds no *.lex file")]
    NoFiles(PathBuf),
    /// A file did not compile; its message is `file:line: reason`.
    #[error("{0}")]
    Compile(#[from] LexiconError),
}

/// What a successful reload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReloadOutcome {
    /// The files were the same as the set in service; nothing changed.
    Unchanged,
    /// A new set is in service, with this version and content hash.
    Swapped {
        /// Declared version.
        version: String,
        /// Content hash.
        content_hash: String,
    },
    /// No lexicon directory is configured; the embedded set stays.
    Embedded,
}

/// Fingerprints of the directory as last seen.
#[derive(Debug, Default)]
struct Seen {
    /// Names, sizes and mtimes of the files.
    stamp: Option<u64>,
    /// Hash of the contents last attempted (good or bad).
    attempted: Option<u64>,
    /// Hash of the contents of the set in service.
    good: Option<u64>,
}

/// The lexicons in service.
#[derive(Debug)]
pub struct LexiconStore {
    current: ArcSwap<Lexicons>,
    dir: Option<PathBuf>,
    seen: Mutex<Seen>,
    metrics: Arc<Metrics>,
    updates: watch::Sender<textstance_engine::tag::LexiconVersion>,
}

impl LexiconStore {
    /// Loads the directory's lexicons, or the embedded ones when `dir` is
    /// `None`. Fails when the initial set does not load.
    pub fn load(dir: Option<&Path>, metrics: Arc<Metrics>) -> Result<LexiconStore, ReloadError> {
        let (lexicons, seen) = match dir {
            None => (Lexicons::embedded()?, Seen::default()),
            Some(dir) => {
                let files = read_dir(dir)?;
                let content = content_hash(&files);
                let stamp = stamp(dir).ok();
                (
                    Lexicons::compile(files)?,
                    Seen {
                        stamp,
                        attempted: Some(content),
                        good: Some(content),
                    },
                )
            }
        };
        let v = lexicons.version().clone();
        metrics.lexicon_loaded(&v.version, &v.content_hash);
        let (updates, _) = watch::channel(v);
        Ok(LexiconStore {
            current: ArcSwap::from_pointee(lexicons),
            dir: dir.map(Path::to_path_buf),
            seen: Mutex::new(seen),
            metrics,
            updates,
        })
    }

    /// The lexicons in service now; the caller keeps them alive as long as
    /// it needs them, whatever reloads happen meanwhile.
    pub fn current(&self) -> Arc<Lexicons> {
        self.current.load_full()
    }

    /// A receiver that sees the version of every set swapped in.
    pub fn subscribe(&self) -> watch::Receiver<textstance_engine::tag::LexiconVersion> {
        self.updates.subscribe()
    }

    /// The configured directory, if any.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Reads and compiles the directory now and swaps the result in, unless
    /// the contents equal the set in service. Blocking (file I/O and
    /// compilation): call it from a blocking context.
    pub fn reload(&self) -> Result<ReloadOutcome, ReloadError> {
        let Some(dir) = &self.dir else {
            return Ok(ReloadOutcome::Embedded);
        };
        let stamp = stamp(dir).ok();
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.stamp = stamp;
        let files = read_dir(dir).map_err(|e| self.failed(e))?;
        let content = content_hash(&files);
        if seen.good == Some(content) {
            return Ok(ReloadOutcome::Unchanged);
        }
        seen.attempted = Some(content);
        match Lexicons::compile(files) {
            Ok(lexicons) => {
                let v = lexicons.version().clone();
                self.current.store(Arc::new(lexicons));
                seen.good = Some(content);
                self.metrics.lexicon_loaded(&v.version, &v.content_hash);
                tracing::info!(
                    version = %v.version,
                    hash = %v.content_hash,
                    dir = %dir.display(),
                    "lexicons reloaded"
                );
                let out = ReloadOutcome::Swapped {
                    version: v.version.clone(),
                    content_hash: v.content_hash.clone(),
                };
                self.updates.send_replace(v);
                Ok(out)
            }
            Err(e) => Err(self.failed(e.into())),
        }
    }

    fn failed(&self, e: ReloadError) -> ReloadError {
        self.metrics.lexicon_reload_failed();
        tracing::error!(error = %e, "lexicon reload failed; the previous lexicons stay in service");
        e
    }

    /// The periodic change check: reloads when the directory's files
    /// changed since the last look, and does nothing otherwise (a broken
    /// file is reported once, not at every poll). Blocking.
    pub fn poll(&self) -> Option<Result<ReloadOutcome, ReloadError>> {
        let dir = self.dir.as_ref()?;
        let stamp = stamp(dir).ok();
        {
            let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
            if stamp.is_some() && seen.stamp == stamp {
                return None;
            }
            seen.stamp = stamp;
            let files = read_dir(dir).ok()?;
            if seen.attempted == Some(content_hash(&files)) {
                return None;
            }
        }
        Some(self.reload())
    }
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_none_or(|n| n.starts_with('.'))
}

/// Every `*.lex` file under `dir`, in subdirectories too (the defaults are
/// laid out as `en/hedge.lex`), sorted. Hidden entries are skipped, which
/// also skips a mounted ConfigMap's `..data` directory (its files appear
/// again as top-level symlinks).
fn lexicon_paths(dir: &Path) -> Result<Vec<PathBuf>, ReloadError> {
    let io = |source| ReloadError::Io {
        dir: dir.to_path_buf(),
        source,
    };
    let mut paths = Vec::new();
    let mut pending = vec![(dir.to_path_buf(), 0)];
    while let Some((d, depth)) = pending.pop() {
        for entry in std::fs::read_dir(&d).map_err(io)? {
            let path = entry.map_err(io)?.path();
            if is_hidden(&path) {
                continue;
            }
            if path.is_dir() && depth < MAX_DEPTH {
                pending.push((path, depth + 1));
            } else if path.extension().is_some_and(|e| e == "lex") && path.is_file() {
                paths.push(path);
            }
        }
    }
    paths.sort();
    Ok(paths)
}

/// How deep below the lexicon directory files are looked for.
const MAX_DEPTH: usize = 3;

fn read_dir(dir: &Path) -> Result<Vec<LexiconSource>, ReloadError> {
    let paths = lexicon_paths(dir)?;
    if paths.is_empty() {
        return Err(ReloadError::NoFiles(dir.to_path_buf()));
    }
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).map_err(|source| ReloadError::Io {
                dir: dir.to_path_buf(),
                source,
            })?;
            // Named by the path below `dir`, so errors read `en/hedge.lex:12: ...`.
            let name = p
                .strip_prefix(dir)
                .unwrap_or(&p)
                .to_string_lossy()
                .into_owned();
            Ok(LexiconSource { name, text })
        })
        .collect()
}

fn stamp(dir: &Path) -> Result<u64, ReloadError> {
    let mut h = DefaultHasher::new();
    for p in lexicon_paths(dir)? {
        p.hash(&mut h);
        if let Ok(m) = std::fs::metadata(&p) {
            m.len().hash(&mut h);
            m.modified()
                .ok()
                .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                .hash(&mut h);
        }
    }
    Ok(h.finish())
}

fn content_hash(files: &[LexiconSource]) -> u64 {
    let mut h = DefaultHasher::new();
    for f in files {
        f.name.hash(&mut h);
        f.text.hash(&mut h);
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("textstance-store-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    const GOOD_A: &str = "@version a\n@language en\nhedge\ten.h.maybe\t1.0\tmaybe\n";
    const GOOD_B: &str = "@version b\n@language en\nhedge\ten.h.perhaps\t1.0\tperhaps\n";
    const BROKEN: &str = "@version c\n@language en\nno tabs on this line\n";

    #[test]
    fn reload_poll_and_broken_files() {
        let dir = temp_dir("poll");
        let file = dir.join("en.lex");
        std::fs::write(&file, GOOD_A).expect("write");
        std::fs::write(dir.join(".hidden.lex"), "garbage").expect("write");
        std::fs::write(dir.join("notes.txt"), "garbage").expect("write");
        let metrics = Arc::new(Metrics::new());
        let store = LexiconStore::load(Some(&dir), metrics).expect("loads");
        let before = store.current();
        assert_eq!(before.version().version, "a");
        assert!(store.poll().is_none(), "nothing changed");

        std::fs::write(&file, BROKEN).expect("write");
        let err = store.poll().expect("noticed").expect_err("broken");
        assert!(err.to_string().starts_with("en.lex:3:"), "{err}");
        assert_eq!(store.current().version().version, "a", "old set stays");
        // The same broken content is not retried at every poll.
        std::fs::write(&file, BROKEN).expect("rewrite same content");
        assert!(store.poll().is_none());

        std::fs::write(&file, GOOD_B).expect("write");
        let out = store.poll().expect("noticed").expect("compiles");
        assert!(matches!(out, ReloadOutcome::Swapped { ref version, .. } if version == "b"));
        assert_eq!(store.current().version().version, "b");
        // A snapshot taken before the swap is untouched.
        assert_eq!(before.version().version, "a");
        assert_eq!(
            store.reload().expect("same files"),
            ReloadOutcome::Unchanged
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn embedded_store_has_nothing_to_reload() {
        let store = LexiconStore::load(None, Arc::new(Metrics::new())).expect("embedded");
        assert_eq!(store.reload().expect("ok"), ReloadOutcome::Embedded);
        assert!(store.poll().is_none());
    }

    #[test]
    fn shared_state_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<LexiconStore>();
        assert_send_sync::<crate::Handle>();
        assert_send_sync::<crate::service::TextServiceImpl>();
    }
}
