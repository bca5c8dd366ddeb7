use chair_store::Store;
use tempfile::TempDir;

/// A store on a new database file; keep the `TempDir` alive as long as the store.
pub async fn fresh_store() -> (Store, TempDir) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let store = Store::open(&dir.path().join("test.db"))
        .await
        .expect("a new database opens");
    (store, dir)
}
