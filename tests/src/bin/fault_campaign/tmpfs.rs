//! A small tmpfs of the campaign's own, for the server's database to run
//! out of space on; unmounted when dropped.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    /// Mounts a tmpfs of `mib` MiB on a new directory under the temporary
    /// directory; an error (saying why) where mounting is not permitted.
    pub fn mount(mib: u64) -> Result<Tmpfs, String> {
        let dir = std::env::temp_dir().join(format!(
            "ocrotire-disk-full-{}-{}",
            std::process::id(),
            ocrotire_core::ids::random_id()
        ));
        std::fs::create_dir(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
        let size = format!("size={mib}m");
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &size, "tmpfs"])
            .arg(&dir)
            .output();
        match output {
            Ok(o) if o.status.success() => Ok(Tmpfs { dir }),
            Ok(o) => {
                let _ = std::fs::remove_dir(&dir);
                Err(format!(
                    "mount -t tmpfs failed (root and CAP_SYS_ADMIN needed): {}",
                    String::from_utf8_lossy(&o.stderr).trim()
                ))
            }
            Err(e) => {
                let _ = std::fs::remove_dir(&dir);
                Err(format!("could not run mount: {e}"))
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Grows (or shrinks) the filesystem, keeping its files.
    pub fn resize(&self, mib: u64) -> Result<(), String> {
        let options = format!("remount,size={mib}m");
        let output = Command::new("mount")
            .args(["-o", &options])
            .arg(&self.dir)
            .output()
            .map_err(|e| format!("could not run mount: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).trim().to_string())
        }
    }

    /// Bytes free, as `df` reports them.
    pub fn free_bytes(&self) -> u64 {
        Command::new("df")
            .args(["-B1", "--output=avail"])
            .arg(&self.dir)
            .output()
            .ok()
            .and_then(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .nth(1)
                    .and_then(|l| l.trim().parse().ok())
            })
            .unwrap_or(0)
    }

    /// Writes a ballast file at `name` until the filesystem is full, then
    /// gives `headroom` bytes back; the ballast's size.
    pub fn fill(&self, name: &str, headroom: u64) -> u64 {
        let chunk = vec![0x5au8; 64 * 1024];
        let mut written = 0u64;
        let Ok(mut file) = std::fs::File::create(self.dir.join(name)) else {
            return 0;
        };
        // Bounded: a tmpfs of the campaign's is far smaller than this.
        while written < 1 << 32 {
            match file.write(&chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => written += n as u64,
            }
        }
        // The last partial page, byte by byte in small pieces.
        for _ in 0..64 {
            match file.write(&chunk[..64]) {
                Ok(0) | Err(_) => break,
                Ok(n) => written += n as u64,
            }
        }
        let _ = file.flush();
        let kept = written.saturating_sub(headroom);
        if file.set_len(kept).is_err() {
            return written;
        }
        kept
    }

    pub fn remove(&self, name: &str) {
        let _ = std::fs::remove_file(self.dir.join(name));
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let unmounted = Command::new("umount")
            .arg(&self.dir)
            .status()
            .is_ok_and(|s| s.success());
        if !unmounted {
            // Something still holds a file open there: detach it lazily.
            let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        }
        let _ = std::fs::remove_dir(&self.dir);
    }
}
