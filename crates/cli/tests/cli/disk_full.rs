//! A full disk: on a small file system of its own (a tmpfs of a few MB, mounted by the test when
//! it runs as root; skipped with a message otherwise), the user gets a clear "disk is full"
//! error before anything is acknowledged; once space is freed, writes resume and everything
//! written before is intact.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{chair_at, decision_args, stderr, stdout};

/// A tmpfs mounted for one test, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// Mounts a tmpfs of `megabytes`; `None` (with the reason printed) where that is not allowed.
    fn mount(megabytes: u32) -> Option<Self> {
        let dir = tempfile::tempdir().expect("temporary folder");
        let done = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m,mode=0700")])
            .arg("tmpfs")
            .arg(dir.path())
            .output();
        match done {
            Ok(o) if o.status.success() => Some(Self { dir }),
            Ok(o) => {
                eprintln!(
                    "SKIPPED: cannot mount a small file system here (needs root): {}",
                    String::from_utf8_lossy(&o.stderr).trim()
                );
                None
            }
            Err(e) => {
                eprintln!("SKIPPED: cannot run mount: {e}");
                None
            }
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Fills the file system at `dir` with a file until no more fits; returns it.
fn fill(dir: &Path) -> PathBuf {
    use std::io::Write;
    let filler = dir.join("filler");
    let mut f = std::fs::File::create(&filler).expect("filler");
    let block = vec![0x5a_u8; 64 * 1024];
    loop {
        if f.write_all(&block).is_err() {
            break;
        }
    }
    // Small writes until even those fail: nothing is left.
    loop {
        if f.write_all(&block[..512]).is_err() {
            break;
        }
    }
    let _ = f.sync_all();
    filler
}

fn add(db: &Path, statement: &str) -> std::process::Output {
    let args = decision_args(statement);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    chair_at(db, &args)
}

#[test]
fn a_full_disk_is_reported_before_anything_is_acknowledged_and_writes_resume_after() {
    let Some(disk) = SmallDisk::mount(8) else {
        return;
    };
    let db = disk.path().join("chair.db");
    let out = chair_at(&db, &["demo"]);
    assert!(out.status.success(), "demo: {}", stderr(&out));
    let first = add(&db, "Keep a phone line for customers over seventy");
    assert!(
        first.status.success(),
        "a write with room: {}",
        stderr(&first)
    );

    let filler = fill(disk.path());

    // Decisions: refused with the reason, nothing printed as recorded.
    let mut refused = 0;
    for n in 0..5 {
        let out = add(&db, &format!("Decision {n} written on a full disk"));
        if out.status.success() {
            // A page freed inside the file can still take a small entry; that is a real write.
            continue;
        }
        refused += 1;
        let (said, err) = (stdout(&out), stderr(&out));
        assert!(
            err.contains("disk is full"),
            "the user is told the disk is full: {err}"
        );
        assert!(
            !said.contains(", hash "),
            "nothing is acknowledged on a full disk: {said}"
        );
    }
    assert!(refused > 0, "a full disk refused at least one write");

    // An import on a full disk: refused, and not reported as imported.
    let export = tempfile::tempdir().expect("temporary folder");
    let file = export.path().join("export.csv");
    let mut csv = String::from("id,date,text\n");
    for i in 0..3000 {
        csv.push_str(&format!(
            "F-{i},2026-10-{:02},\"The transfer {i} has been pending for days and nobody answers the chat\"\n",
            1 + i % 28
        ));
    }
    std::fs::write(&file, csv).expect("export file");
    let out = chair_at(&db, &["import", file.to_str().expect("utf-8 path")]);
    assert!(!out.status.success(), "an import on a full disk fails");
    assert!(
        stderr(&out).contains("disk is full"),
        "the import says the disk is full: {}",
        stderr(&out)
    );

    // Space comes back: writes resume, and what was there is intact.
    std::fs::remove_file(&filler).expect("free the space");
    let after = add(&db, "Decision written after space was freed");
    assert!(after.status.success(), "writes resume: {}", stderr(&after));
    let out = chair_at(&db, &["import", file.to_str().expect("utf-8 path")]);
    assert!(
        out.status.success(),
        "the import finishes: {}",
        stderr(&out)
    );
    let verify = chair_at(&db, &["log", "verify"]);
    assert!(
        verify.status.success() && stdout(&verify).contains("intact"),
        "the chain verifies: {} {}",
        stdout(&verify),
        stderr(&verify)
    );
    let check = chair_at(&db, &["check"]);
    assert!(
        check.status.success(),
        "integrity and index checks pass: {} {}",
        stdout(&check),
        stderr(&check)
    );
    // What was acknowledged before the disk filled is there, unchanged.
    let said = stdout(&first);
    let (seq, hash) = said
        .split_once("entry ")
        .and_then(|(_, rest)| rest.split_once(", hash "))
        .map(|(seq, hash)| (seq.trim().to_string(), hash.trim().to_string()))
        .unwrap_or_else(|| panic!("the first write was acknowledged: {said}"));
    let export = chair_at(&db, &["log", "export", "--format", "json"]);
    let log: serde_json::Value = serde_json::from_slice(&export.stdout).expect("the log as JSON");
    let entries = log["entries"].as_array().expect("entries");
    let kept = entries
        .iter()
        .find(|e| e["seq"].as_i64().map(|n| n.to_string()).as_deref() == Some(seq.as_str()))
        .unwrap_or_else(|| panic!("entry {seq} is still in the log"));
    assert_eq!(
        kept["hash"].as_str(),
        Some(hash.as_str()),
        "entry {seq} kept its hash"
    );
    eprintln!(
        "disk full: {refused} writes refused with a clear message; after freeing space the log verifies and holds {} entries",
        entries.len()
    );
}
