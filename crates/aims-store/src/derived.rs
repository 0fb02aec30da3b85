//! A per-process cache of expensive views derived from an organization's records (the SoA,
//! framework coverage, the maturity view behind the dashboard).
//!
//! Why it is correct: every change to an organization's records appends an audit event in the
//! same transaction, which moves the organization's chain head (`audit_heads.seq`). A cached
//! view is reused only while the head and the calendar day (views depend on "today": expiry,
//! reviews due) are what they were when it was computed. Reading the head is one indexed row,
//! so several nodes sharing one PostgreSQL each see another node's writes at once.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

type Entry = (i64, chrono::NaiveDate, Arc<dyn Any + Send + Sync>);
/// Held while a view is being rebuilt.
type Gate = Arc<tokio::sync::Mutex<()>>;

#[derive(Default, Clone)]
pub struct DerivedCache {
    views: Arc<Mutex<HashMap<(i64, String), Entry>>>,
    /// One computation of a view at a time: concurrent requests for a stale view wait for it
    /// instead of each rebuilding it (which multiplied the work and the memory, and under load
    /// let no rebuild finish before its client gave up).
    building: Arc<Mutex<HashMap<(i64, String), Gate>>>,
}

impl std::fmt::Debug for DerivedCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DerivedCache")
    }
}

impl DerivedCache {
    pub(crate) fn get<T: Send + Sync + 'static>(
        &self,
        org_id: i64,
        kind: &str,
        head: i64,
        day: chrono::NaiveDate,
    ) -> Option<Arc<T>> {
        let views = self.views.lock().ok()?;
        let (h, d, v) = views.get(&(org_id, kind.to_string()))?;
        if *h != head || *d != day {
            return None;
        }
        v.clone().downcast::<T>().ok()
    }

    fn gate(&self, org_id: i64, kind: &str) -> Gate {
        match self.building.lock() {
            Ok(mut gates) => gates.entry((org_id, kind.to_string())).or_default().clone(),
            // A poisoned map only loses the de-duplication, never correctness.
            Err(_) => Arc::default(),
        }
    }

    pub(crate) fn put<T: Send + Sync + 'static>(
        &self,
        org_id: i64,
        kind: &str,
        head: i64,
        day: chrono::NaiveDate,
        value: Arc<T>,
    ) {
        if let Ok(mut views) = self.views.lock() {
            views.insert((org_id, kind.to_string()), (head, day, value));
        }
    }
}

impl crate::Store {
    /// The view `kind` of the organization, computed by `compute` unless the organization has
    /// not changed since it was last computed on `day` (the caller's today: views read dates).
    /// Shared, not copied: a view can be large.
    pub async fn derived<T, E, F, Fut>(
        &self,
        org_id: i64,
        kind: &str,
        day: chrono::NaiveDate,
        compute: F,
    ) -> Result<Arc<T>, E>
    where
        T: Send + Sync + 'static,
        E: From<crate::StoreError>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let head = self.audit_head_seq(org_id).await?;
        if let Some(v) = self.derived.get::<T>(org_id, kind, head, day) {
            return Ok(v);
        }
        let gate = self.derived.gate(org_id, kind);
        let _building = gate.lock().await;
        // Someone else may have built it while this request waited.
        let head = self.audit_head_seq(org_id).await?;
        if let Some(v) = self.derived.get::<T>(org_id, kind, head, day) {
            return Ok(v);
        }
        let v = Arc::new(compute().await?);
        self.derived.put(org_id, kind, head, day, v.clone());
        Ok(v)
    }
}
