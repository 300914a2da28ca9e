//! Adding items up by category, fast enough for 100,000 cases times
//! seventeen groupings: measures are bits of a word, categories are
//! numbered once per grouping, and children are combined without a
//! hash map per group (most children have one case; only those with
//! several need merging).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::dimensions::{Dimension, MAX_CATEGORY};
use super::engine::Item;
use super::measures::MAX_MEASURES;

/// A multiplicative hash for child and category numbers (this code makes
/// them; no outside input chooses collisions): a fraction of SipHash's cost.
#[derive(Default)]
pub(super) struct FastHasher(u64);

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*byte)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(29) ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

pub(super) type Fast = BuildHasherDefault<FastHasher>;

/// The running sums of one group (the total or one category).
pub struct Sums {
    pub counted: [u64; MAX_MEASURES],
    pub hits: [u64; MAX_MEASURES],
    pub observations: Vec<Vec<f64>>,
    /// How many distinct children have each child flag bit.
    pub children: [u64; 32],
    /// Items by their (counted, hits) bits: far fewer patterns than items,
    /// so items are tallied by pattern and the bits counted once per pattern.
    patterns: HashMap<(u64, u64), u64, Fast>,
}

impl Sums {
    fn new(measures: usize) -> Sums {
        Sums {
            counted: [0; MAX_MEASURES],
            hits: [0; MAX_MEASURES],
            observations: vec![Vec::new(); measures],
            children: [0; 32],
            patterns: HashMap::default(),
        }
    }

    fn add(&mut self, item: &Item<'_>) {
        let contribution = &item.contribution;
        *self
            .patterns
            .entry((contribution.counted, contribution.hits))
            .or_default() += 1;
        for (at, x) in contribution.observations.iter().flatten() {
            self.observations[*at].push(*x);
        }
    }

    /// Turns the tallied patterns into per-measure counts.
    fn settle(&mut self) {
        for ((counted, hits), times) in self.patterns.drain() {
            let mut bits = counted;
            while bits != 0 {
                let at = bits.trailing_zeros() as usize;
                self.counted[at] += times;
                self.hits[at] += ((hits >> at) & 1) * times;
                bits &= bits - 1;
            }
        }
    }

    fn add_child(&mut self, flags: u32) {
        let mut bits = flags;
        while bits != 0 {
            self.children[bits.trailing_zeros() as usize] += 1;
            bits &= bits - 1;
        }
    }
}

/// Which case items belong to children with more than one case item in
/// the period: only their flags need merging before they are counted.
pub struct Children {
    /// For each item: whether its child has other case items.
    shared: Vec<bool>,
    /// The item indices of each such child.
    runs: Vec<Vec<usize>>,
}

impl Children {
    pub fn of(items: &[Item<'_>]) -> Children {
        let mut by_child: HashMap<u32, Vec<usize>, BuildHasherDefault<FastHasher>> =
            HashMap::default();
        for (i, item) in items.iter().enumerate() {
            if let Some((child, _)) = item.child {
                by_child.entry(child).or_default().push(i);
            }
        }
        let mut shared = vec![false; items.len()];
        let runs: Vec<Vec<usize>> = by_child.into_values().filter(|run| run.len() > 1).collect();
        for run in &runs {
            run.iter().for_each(|i| shared[*i] = true);
        }
        Children { shared, runs }
    }
}

/// The sums of every category of `dimension` (or of the total when
/// `None`), sorted by category.
pub fn sum_by(
    items: &[Item<'_>],
    children: &Children,
    measures: usize,
    dimension: Option<Dimension>,
    districts: &[String],
) -> Vec<(String, Sums)> {
    // Category number -> group, in a plain array: category numbers are small.
    let slots = (MAX_CATEGORY as usize).max(districts.len());
    let mut index: Vec<usize> = vec![usize::MAX; slots];
    let mut groups: Vec<Sums> = Vec::new();
    // Each item's groups, as a range into `memberships`.
    let mut memberships: Vec<usize> = Vec::with_capacity(items.len());
    let mut ranges: Vec<(usize, usize)> = Vec::with_capacity(items.len());
    for item in items {
        let start = memberships.len();
        let mut place = |category: u32| {
            let slot = &mut index[category as usize];
            if *slot == usize::MAX {
                *slot = groups.len();
                groups.push(Sums::new(measures));
            }
            let at = *slot;
            groups[at].add(item);
            memberships.push(at);
        };
        match dimension {
            Some(d) => d.each_category(item, &mut place),
            None => place(0),
        }
        ranges.push((start, memberships.len()));
    }
    for (i, item) in items.iter().enumerate() {
        if let (Some((_, flags)), false) = (item.child, children.shared[i]) {
            let (start, end) = ranges[i];
            memberships[start..end]
                .iter()
                .for_each(|g| groups[*g].add_child(flags));
        }
    }
    for run in &children.runs {
        let mut merged: Vec<(usize, u32)> = Vec::new();
        for i in run {
            let flags = items[*i].child.map_or(0, |(_, f)| f);
            let (start, end) = ranges[*i];
            for group in &memberships[start..end] {
                match merged.iter_mut().find(|(g, _)| g == group) {
                    Some((_, f)) => *f |= flags,
                    None => merged.push((*group, flags)),
                }
            }
        }
        merged
            .into_iter()
            .for_each(|(g, flags)| groups[g].add_child(flags));
    }
    groups.iter_mut().for_each(Sums::settle);
    let mut sums: Vec<Option<Sums>> = groups.into_iter().map(Some).collect();
    let mut out: Vec<(String, Sums)> = index
        .into_iter()
        .enumerate()
        .filter(|(_, at)| *at != usize::MAX)
        .filter_map(|(category, at)| {
            let name = dimension.map_or_else(String::new, |d| d.name(category as u32, districts));
            sums[at].take().map(|s| (name, s))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}
