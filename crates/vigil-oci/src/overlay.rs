//! Squashing layers: the file-system view after whiteouts, for whatever per-file data the
//! caller keeps (contents of interesting files, package lists, sizes).

use std::collections::BTreeMap;

use crate::walk::{Entry, EntryKind};

/// Per-path values from all layers, with later layers replacing earlier ones and OCI
/// whiteouts (image-spec layer.md, "Whiteouts") deleting them.
#[derive(Debug, Clone)]
pub struct Overlay<T> {
    files: BTreeMap<String, (usize, T)>,
}

impl<T> Default for Overlay<T> {
    fn default() -> Self {
        Overlay { files: BTreeMap::new() }
    }
}

impl<T> Overlay<T> {
    /// An empty view.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies the structural effect of `entry`: whiteouts delete, opaque whiteouts hide lower
    /// layers' contents of the directory, and any non-directory entry replaces what was below
    /// it at that path (including a whole directory).
    pub fn apply(&mut self, entry: &Entry) {
        match &entry.kind {
            EntryKind::Whiteout => self.remove_tree(&entry.path, |_| true),
            EntryKind::OpaqueDir => {
                let layer = entry.layer;
                self.remove_children(&entry.path, |l| l < layer);
            }
            EntryKind::Dir => {}
            _ => {
                let layer = entry.layer;
                self.remove_tree(&entry.path, |l| l < layer);
            }
        }
    }

    /// Records `value` for the file at `entry.path` (call after [`Overlay::apply`]).
    pub fn insert(&mut self, entry: &Entry, value: T) {
        self.files.insert(entry.path.clone(), (entry.layer, value));
    }

    /// The surviving files: path → (layer index, value), sorted by path.
    pub fn into_files(self) -> BTreeMap<String, (usize, T)> {
        self.files
    }

    /// The surviving value at `path`.
    pub fn get(&self, path: &str) -> Option<&(usize, T)> {
        self.files.get(path)
    }

    fn remove_tree(&mut self, path: &str, from_layer: impl Fn(usize) -> bool) {
        if self.files.get(path).is_some_and(|(l, _)| from_layer(*l)) {
            self.files.remove(path);
        }
        self.remove_children(path, from_layer);
    }

    fn remove_children(&mut self, dir: &str, from_layer: impl Fn(usize) -> bool) {
        let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
        let doomed: Vec<String> = self
            .files
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(_, (l, _))| from_layer(*l))
            .map(|(k, _)| k.clone())
            .collect();
        for key in doomed {
            self.files.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, layer: usize, kind: EntryKind) -> Entry {
        Entry { path: path.into(), layer, kind, size: 0, mode: 0 }
    }

    #[test]
    fn whiteouts_and_opaque_dirs() {
        let mut o = Overlay::new();
        for (p, l) in [("etc/a", 0), ("etc/b", 0), ("opt/x/1", 0), ("opt/x/2", 0), ("var/f", 0)] {
            let e = entry(p, l, EntryKind::File);
            o.apply(&e);
            o.insert(&e, p.to_string());
        }
        o.apply(&entry("etc/a", 1, EntryKind::Whiteout));
        o.apply(&entry("opt/x", 1, EntryKind::OpaqueDir));
        let new = entry("opt/x/3", 1, EntryKind::File);
        o.apply(&new);
        o.insert(&new, "new".into());
        o.apply(&entry("var", 1, EntryKind::Symlink("/tmp".into())));
        let files: Vec<String> = o.into_files().into_keys().collect();
        assert_eq!(files, ["etc/b", "opt/x/3"]);
    }
}
