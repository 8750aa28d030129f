//! A list on the link wire that keeps at most `MAX` decoded items.
//!
//! Bounding the inflated size alone does not bound memory: a megabyte of repeated two-byte
//! actions would decode into millions of structs many times their wire size. So each list
//! keeps its first `MAX` items, decodes and drops the rest (each costs at least one byte of
//! the bounded input, so this ends quickly), and remembers how many there were, so the
//! decoder can say which list was too long instead of a bare "corrupt".

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};
use serde::{Serialize, Serializer};

use super::ScenarioError;

#[derive(Debug)]
pub(super) struct Bounded<T, const MAX: usize> {
    items: Vec<T>,
    /// How many items the input held, counting those dropped past `MAX`.
    decoded_len: usize,
}

impl<T, const MAX: usize> Bounded<T, MAX> {
    pub(super) fn new(items: Vec<T>) -> Self {
        let decoded_len = items.len();
        Bounded { items, decoded_len }
    }

    /// The items, or an error at `path` saying the list held more than `MAX` of `what`.
    pub(super) fn into_items(self, path: &str, what: &str) -> Result<Vec<T>, ScenarioError> {
        if self.decoded_len > MAX {
            let problem = format!(
                "{} {what} is too many (the limit is {MAX})",
                self.decoded_len
            );
            return Err(ScenarioError::new(path, problem));
        }
        Ok(self.items)
    }
}

impl<T: Serialize, const MAX: usize> Serialize for Bounded<T, MAX> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(&self.items)
    }
}

impl<'de, T: Deserialize<'de>, const MAX: usize> Deserialize<'de> for Bounded<T, MAX> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(BoundedVisitor(PhantomData))
    }
}

struct BoundedVisitor<T, const MAX: usize>(PhantomData<T>);

impl<'de, T: Deserialize<'de>, const MAX: usize> Visitor<'de> for BoundedVisitor<T, MAX> {
    type Value = Bounded<T, MAX>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // The declared length is only a claim: allocate for what is kept, never more.
        let claimed = seq.size_hint().unwrap_or(0);
        let mut items = Vec::with_capacity(claimed.min(MAX).min(1024));
        let mut decoded_len = 0;
        while let Some(item) = seq.next_element::<T>()? {
            decoded_len += 1;
            if items.len() < MAX {
                items.push(item);
            }
        }
        Ok(Bounded { items, decoded_len })
    }
}
