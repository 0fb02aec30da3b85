//! The store facade for logical backup and restore: each method calls the same function of the backend it was opened on.

use crate::*;

impl Store {
    pub async fn backup_rows(&self, sink: &mut BackupSink<'_>) -> R<u64> {
        dispatch!(self.backup_rows(sink))
    }

    pub async fn restore_rows(
        &self,
        rows: &mut (dyn Iterator<Item = RestoreItem> + Send),
    ) -> R<u64> {
        dispatch!(self.restore_rows(rows))
    }
}
