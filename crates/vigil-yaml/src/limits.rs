//! The named limits of every YAML input.

/// Bounds applied to every parsed YAML input. Exceeding one is an error for that input only,
/// reported with the position where the limit was reached.
///
/// Nodes and bytes are counted *expanded*: an alias counts every node and every scalar byte
/// of what it refers to, a merge key (`<<`) every entry it copies. Per input, the copies made
/// by aliases and merge keys (and kept for anchors) are bounded by the same two numbers, so
/// a file of many documents cannot multiply the work either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest input accepted, in bytes (default 32 MiB).
    pub max_file_size: u64,
    /// Deepest nesting of sequences and mappings (default 256).
    pub max_depth: usize,
    /// Most nodes in one document, counting every alias expansion (default 1,000,000).
    pub max_nodes: usize,
    /// Most scalar bytes in one document, counting every alias and merge-key copy
    /// (default 64 MiB; no real manifest comes near it, since without aliases scalar bytes
    /// never exceed the file's size).
    pub max_expanded_bytes: usize,
    /// Most documents in one input (default 100,000).
    pub max_documents: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_size: 32 * 1024 * 1024,
            max_depth: 256,
            max_nodes: 1_000_000,
            max_expanded_bytes: 64 * 1024 * 1024,
            max_documents: 100_000,
        }
    }
}

impl Limits {
    /// Limits for files a person writes (policies, vigil's configuration): 8 MiB, 250,000
    /// nodes and 16 MiB of expanded scalar bytes, still far above any real policy, so a
    /// hostile one is refused in well under a second.
    pub fn config() -> Self {
        Limits {
            max_file_size: 8 * 1024 * 1024,
            max_nodes: 250_000,
            max_expanded_bytes: 16 * 1024 * 1024,
            ..Limits::default()
        }
    }

    /// The serde-saphyr budget that enforces these limits for serde decoding.
    ///
    /// Alias replays are charged by events and bytes (serde-saphyr's recorded-anchor
    /// budget), merge keys by count; the whole input shares one budget.
    pub fn budget(&self) -> serde_saphyr::Budget {
        let mut budget = serde_saphyr::Budget::default();
        let input = usize::try_from(self.max_file_size).unwrap_or(usize::MAX);
        budget.max_reader_input_bytes = Some(input);
        budget.max_depth = self.max_depth;
        budget.flow_nesting_limit = self.max_depth.min(budget.flow_nesting_limit);
        budget.max_nodes = self.max_nodes;
        // Every node is at least one event (collections two); aliases replay events.
        budget.max_events = self.max_nodes.saturating_mul(2);
        budget.max_total_scalar_bytes = self.max_expanded_bytes;
        budget.max_recorded_anchor_bytes = self.max_expanded_bytes;
        budget.max_recorded_anchor_events = self.max_nodes;
        budget.max_documents = self.max_documents;
        budget
    }

    /// serde-saphyr options carrying [`Limits::budget`].
    pub(crate) fn options(&self) -> serde_saphyr::Options {
        let mut options = serde_saphyr::Options::default();
        options.budget = Some(self.budget());
        options
    }
}
