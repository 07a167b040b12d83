//! Decoding helpers shared by the catalogers.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

/// A JSON or YAML object read in file order (serde's maps sort or hash their keys, and JSON
/// objects may repeat a key). Callers deduplicate what they build from it. The keys are
/// strings, or `serde_saphyr::Spanned<String>` where messages need a key's position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entries<V, K = String>(pub(crate) Vec<(K, V)>);

impl<V, K> Default for Entries<V, K> {
    fn default() -> Self {
        Entries(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>, K: Deserialize<'de>> Deserialize<'de> for Entries<V, K> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor<V, K>(PhantomData<(V, K)>);

        impl<'de, V: Deserialize<'de>, K: Deserialize<'de>> Visitor<'de> for EntriesVisitor<V, K> {
            type Value = Entries<V, K>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry::<K, V>()? {
                    entries.push((key, value));
                }
                Ok(Entries(entries))
            }
        }

        deserializer.deserialize_map(EntriesVisitor(PhantomData))
    }
}
