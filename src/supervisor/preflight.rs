//! Checks made before anything is started, so a missing binary or an unusable data directory is
//! one clear error rather than a crash loop.

use std::path::{Path, PathBuf};

use super::SupervisorError;

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// The configured binary (`nats_server.binary` / `NATS_SERVER_BIN`), else `nats-server` on PATH.
pub fn find_binary(configured: Option<&Path>) -> Result<PathBuf, SupervisorError> {
    match configured {
        Some(path) if path.components().count() > 1 => {
            if is_executable(path) {
                Ok(path.to_owned())
            } else {
                Err(SupervisorError::BinaryNotFound {
                    looked: format!("{} is not an executable file", path.display()),
                })
            }
        }
        Some(name) => {
            on_path(&name.to_string_lossy()).ok_or_else(|| SupervisorError::BinaryNotFound {
                looked: format!("'{}' is not on PATH", name.display()),
            })
        }
        None => on_path("nats-server").ok_or_else(|| SupervisorError::BinaryNotFound {
            looked: "no nats-server on PATH and NATS_SERVER_BIN is not set".to_owned(),
        }),
    }
}

pub fn find_setpriv() -> Option<PathBuf> {
    on_path("setpriv")
}

/// Creates the directory and proves it writable.
pub fn check_data_dir(dir: &Path) -> Result<(), SupervisorError> {
    let fail = |reason: String| SupervisorError::DataDir {
        path: dir.to_owned(),
        reason,
    };
    if dir.exists() && !dir.is_dir() {
        return Err(fail("it exists but is not a directory".to_owned()));
    }
    std::fs::create_dir_all(dir).map_err(|e| fail(format!("cannot create it: {e}")))?;
    let probe = dir.join(".message-broker-write-test");
    std::fs::write(&probe, b"ok").map_err(|e| fail(format!("cannot write to it: {e}")))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}
