//! The flow table: subflows found by their 4-tuple once per segment, then by slot.
//!
//! A segment's 4-tuple is hashed once, in [`Flows::find`]; the slot it gives is what the rest of
//! the segment's work uses to reach its subflow, so no step hashes the 4-tuple again. Slots of
//! removed subflows are reused, so the table holds at most as many slots as subflows were open
//! at once.

use alloc::vec::Vec;

use super::state::{FlowKey, Subflow};
use super::Map;

/// Subflows by 4-tuple, stored in reusable slots.
#[derive(Debug, Default)]
pub struct Flows {
    /// The slot of each 4-tuple in the table.
    slots: Map<FlowKey, usize>,
    /// The subflows; `None` marks a free slot.
    subflows: Vec<Option<Subflow>>,
    /// Free slots, reused before the table grows.
    free: Vec<usize>,
}

impl Flows {
    /// The slot of the subflow with 4-tuple `key`.
    pub fn find(&self, key: &FlowKey) -> Option<usize> {
        self.slots.get(key).copied()
    }

    /// The subflow in `slot`.
    pub fn get(&self, slot: usize) -> Option<&Subflow> {
        self.subflows.get(slot).and_then(Option::as_ref)
    }

    /// The subflow in `slot`, to change.
    pub fn get_mut(&mut self, slot: usize) -> Option<&mut Subflow> {
        self.subflows.get_mut(slot).and_then(Option::as_mut)
    }

    /// The subflow with 4-tuple `key`.
    pub fn get_by_key(&self, key: &FlowKey) -> Option<&Subflow> {
        self.find(key).and_then(|slot| self.get(slot))
    }

    /// Adds `subflow` under `key` (which the table does not hold) and returns its slot.
    pub fn insert(&mut self, key: FlowKey, subflow: Subflow) -> usize {
        let slot = match self.free.pop() {
            Some(slot) => {
                if let Some(free) = self.subflows.get_mut(slot) {
                    *free = Some(subflow);
                }
                slot
            }
            None => {
                self.subflows.push(Some(subflow));
                self.subflows.len() - 1
            }
        };
        self.slots.insert(key, slot);
        slot
    }

    /// Takes the subflow with 4-tuple `key` out of the table.
    pub fn remove(&mut self, key: &FlowKey) -> Option<Subflow> {
        let slot = self.slots.remove(key)?;
        let subflow = self.subflows.get_mut(slot).and_then(Option::take);
        self.free.push(slot);
        subflow
    }

    /// Every subflow with its 4-tuple, in the order of the 4-tuple map.
    pub fn iter(&self) -> impl Iterator<Item = (&FlowKey, &Subflow)> {
        self.slots
            .iter()
            .filter_map(|(key, &slot)| self.get(slot).map(|subflow| (key, subflow)))
    }
}
