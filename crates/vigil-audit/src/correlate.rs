//! What only a supply-chain tool can tell: whether a Pod the audit log shows was admitted by
//! vigil's gate. The decision log's `admission` entries (`allow` and `mutate`) name every image
//! vigil admitted, as written and with the digest it verified; a Pod created (2xx) whose
//! container image is neither an admitted reference nor carries an admitted digest raises the
//! alert [`RULE`]. This runs beside the Falco rules, since no condition can read the log.

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::engine::{Alert, SOURCE};
use crate::json::Json;
use crate::rules::Priority;

/// The alert's rule name.
pub const RULE: &str = "Pod Image Not Admitted by vigil";

/// The alert's priority.
pub const PRIORITY: Priority = Priority::Warning;

/// Images and digests admitted, as read from a decision log.
#[derive(Debug, Default, Clone)]
pub struct Admitted {
    images: HashSet<String>,
    digests: HashSet<String>,
    next: u64,
}

impl Admitted {
    /// Reads the admission entries of `reader` not read yet (all of them the first time).
    ///
    /// # Errors
    /// When the store cannot be read.
    pub fn refresh(&mut self, reader: &mut dyn vigil_log::store::Reader) -> Result<(), vigil_log::store::StoreError> {
        let size = reader.size()?;
        while self.next < size {
            let stop = self.next.saturating_add(4096).min(size);
            for (_, body) in reader.entries(self.next, stop)? {
                self.add_entry(&body);
            }
            self.next = stop;
        }
        Ok(())
    }

    fn add_entry(&mut self, body: &[u8]) {
        let Ok(entry) = serde_json::from_slice::<Value>(body) else { return };
        if entry["kind"] != "admission" || !matches!(entry["decision"]["result"].as_str(), Some("allow" | "mutate")) {
            return;
        }
        for image in entry["subject"]["images"].as_array().into_iter().flatten() {
            if let Some(i) = image["image"].as_str() {
                self.add(i, image["digest"].as_str());
            }
        }
    }

    /// Records an admitted image (and the digest it was verified at).
    pub fn add(&mut self, image: &str, digest: Option<&str>) {
        self.images.insert(image.to_owned());
        if let Some(d) = digest.or_else(|| digest_of(image)) {
            self.digests.insert(d.to_owned());
        }
    }

    /// How many distinct images are known.
    #[must_use]
    pub fn len(&self) -> usize {
        self.images.len()
    }

    /// Whether none is.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.images.is_empty()
    }

    /// The images of a successful Pod creation that vigil never admitted (none for any other
    /// event).
    #[must_use]
    pub fn unadmitted(&self, event: &Json<'_>) -> Vec<String> {
        let created = event["verb"] == "create"
            && event["objectRef"]["resource"] == "pods"
            && event["objectRef"]["subresource"].as_str().is_none_or(str::is_empty)
            && event["responseStatus"]["code"].as_u64().is_some_and(|c| (200..300).contains(&c));
        if !created {
            return Vec::new();
        }
        // The response holds the Pod as stored (after mutation: pinned digests); the request
        // what the client sent. An image counts as admitted when either form is.
        let stored = images_of(&event["responseObject"]);
        let mut out = Vec::new();
        for (i, image) in images_of(&event["requestObject"]).into_iter().enumerate() {
            let pinned = stored.get(i).map(String::as_str);
            let known =
                |img: &str| self.images.contains(img) || digest_of(img).is_some_and(|d| self.digests.contains(d));
            if !(known(&image) || pinned.is_some_and(known)) {
                out.push(image);
            }
        }
        out
    }

    /// The alert for a Pod with unadmitted images.
    #[must_use]
    pub fn alert(event: &Json<'_>, images: &[String], hostname: &str) -> Alert {
        let user = event["user"]["username"].as_str().unwrap_or("<NA>");
        let ns = event["objectRef"]["namespace"].as_str().unwrap_or("<NA>");
        let name = event["responseObject"]["metadata"]["name"]
            .as_str()
            .or_else(|| event["objectRef"]["name"].as_str())
            .unwrap_or("<NA>");
        let stamp = event["stageTimestamp"].as_str().or_else(|| event["timestamp"].as_str()).unwrap_or("");
        let (time, clock) = crate::engine::event_time_of(stamp);
        let mut fields = Map::new();
        fields.insert("ka.user.name".into(), Value::String(user.into()));
        fields.insert("ka.target.namespace".into(), Value::String(ns.into()));
        fields.insert("ka.resp.name".into(), Value::String(name.into()));
        fields.insert("images".into(), Value::Array(images.iter().map(|i| Value::String(i.clone())).collect()));
        Alert {
            time,
            rule: RULE.into(),
            priority: PRIORITY,
            output: format!(
                "{clock}: {} Pod created with an image vigil never admitted (user={user} pod={name} ns={ns} images=({}))",
                PRIORITY.as_str(),
                images.join(",")
            ),
            output_fields: fields,
            source: SOURCE,
            tags: vec!["k8s".into(), "vigil".into(), "supply-chain".into()],
            hostname: hostname.into(),
        }
    }
}

/// An [`Admitted`] set kept current from a decision log: re-read every [`Correlator::REFRESH`]
/// (other processes and replicas write to the log too), and told directly of what this
/// process admits.
pub struct Correlator {
    admitted: Admitted,
    backend: Box<dyn vigil_log::store::Backend>,
    read_at: std::time::Instant,
}

impl Correlator {
    /// How stale the set may get before the log is read again.
    pub const REFRESH: std::time::Duration = std::time::Duration::from_secs(2);

    /// Reads every admission of the log at `target` (which must exist).
    ///
    /// # Errors
    /// When the log cannot be opened or read.
    pub fn open(target: &vigil_log::Target) -> Result<Self, vigil_log::store::StoreError> {
        let mut backend = vigil_log::store::open_existing(target)?;
        let mut admitted = Admitted::default();
        admitted.refresh(&mut *backend.reader()?)?;
        Ok(Correlator { admitted, backend, read_at: std::time::Instant::now() })
    }

    /// Records an admitted image at once (see [`Admitted::add`]).
    pub fn add(&mut self, image: &str, digest: Option<&str>) {
        self.admitted.add(image, digest);
    }

    /// [`Admitted::unadmitted`], after re-reading the log if the set is stale (a read failure
    /// keeps the set as it is until the next try).
    pub fn unadmitted(&mut self, event: &Json<'_>) -> Vec<String> {
        if self.read_at.elapsed() > Self::REFRESH {
            if let Ok(mut reader) = self.backend.reader() {
                let _ = self.admitted.refresh(&mut *reader);
            }
            self.read_at = std::time::Instant::now();
        }
        self.admitted.unadmitted(event)
    }
}

fn digest_of(image: &str) -> Option<&str> {
    image.rsplit_once('@').map(|(_, d)| d).filter(|d| d.starts_with("sha256:"))
}

fn images_of(pod: &Json<'_>) -> Vec<String> {
    let spec = &pod["spec"];
    ["initContainers", "containers", "ephemeralContainers"]
        .iter()
        .flat_map(|k| spec[*k].as_array().into_iter().flatten())
        .filter_map(|c| c["image"].as_str().map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pod_event(image: &str, stored: &str, code: u64) -> Json<'static> {
        Json::from(&json!({"kind": "Event", "verb": "create", "objectRef": {"resource": "pods", "namespace": "shop"},
               "user": {"username": "alice"}, "responseStatus": {"code": code},
               "stageTimestamp": "2026-12-02T10:00:00.5Z",
               "requestObject": {"spec": {"containers": [{"name": "a", "image": image}]}},
               "responseObject": {"metadata": {"name": "web"}, "spec": {"containers": [{"name": "a", "image": stored}]}}}))
    }

    #[test]
    fn only_created_pods_with_unknown_images_are_reported() {
        let digest = format!("sha256:{}", "ab".repeat(32));
        let mut admitted = Admitted::default();
        admitted.add("ghcr.io/org/app:1.0", Some(&digest));
        // Admitted by reference, by digest in the stored (mutated) Pod, or by its own digest.
        assert!(admitted.unadmitted(&pod_event("ghcr.io/org/app:1.0", "ghcr.io/org/app:1.0", 201)).is_empty());
        let pinned = format!("ghcr.io/org/app@{digest}");
        assert!(admitted.unadmitted(&pod_event("ghcr.io/org/app:1.1", &pinned, 201)).is_empty());
        assert!(admitted.unadmitted(&pod_event(&pinned, &pinned, 201)).is_empty());
        // Never admitted: reported.
        assert_eq!(admitted.unadmitted(&pod_event("evil/miner:1", "evil/miner:1", 201)), vec!["evil/miner:1"]);
        // A refused creation created nothing.
        assert!(admitted.unadmitted(&pod_event("evil/miner:1", "evil/miner:1", 403)).is_empty());
        let alert = Admitted::alert(&pod_event("evil/miner:1", "evil/miner:1", 201), &["evil/miner:1".into()], "h");
        assert_eq!(alert.rule, RULE);
        assert!(alert.output.starts_with("10:00:00.500000000: Warning Pod created"), "{}", alert.output);
    }

    #[test]
    fn admission_entries_of_a_log_are_read() {
        let mut admitted = Admitted::default();
        admitted.add_entry(br#"{"kind":"admission","decision":{"result":"allow"},"subject":{"images":[{"image":"a:1","digest":"sha256:00"}]}}"#);
        admitted
            .add_entry(br#"{"kind":"admission","decision":{"result":"deny"},"subject":{"images":[{"image":"b:1"}]}}"#);
        admitted.add_entry(br#"{"kind":"scan","decision":{"result":"pass"},"subject":{"images":[{"image":"c:1"}]}}"#);
        assert_eq!(admitted.len(), 1);
        assert!(admitted.digests.contains("sha256:00"));
    }
}
