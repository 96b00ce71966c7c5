//! What a query asks for, stated once for every caller (Rust, C, the bindings, the CLI).
//!
//! The rules:
//! - `n` is how many neighbours are wanted. A query returns `min(n, n_items)` of them at
//!   most (fewer when the walk finds fewer items, or the filter allows fewer); `n = 0` returns
//!   nothing and is not an error.
//! - The search effort ([`SearchK`]) is the number of candidates the walk gathers before
//!   ranking them. `Default` is Annoy's `n × n_trees`, computed with the caller's `n` (so a
//!   query for more than `n_items` neighbours is already a full search: every tree lists each
//!   item once). `Unlimited` walks every tree to the end. In Annoy's integer convention
//!   ([`SearchK::from_annoy`], used by the C API and the bindings), -1 is `Default` and every
//!   other negative value is `Unlimited`, as in Annoy, where it wraps to a huge unsigned count.
//! - A [`Filter`] restricts the answer to allowed items: the answer is the best `n` allowed
//!   items as the unfiltered search would rank them, at the same effort. Rejected items do not
//!   count towards the effort, so the walk widens as the filter rejects. An allow-list whose
//!   allowed items are few enough is scanned directly instead (exact): see
//!   [`Bitset::prefers_scan`] for how that is decided.

/// How many candidates a query examines before ranking them. More: better recall, slower.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SearchK {
    /// Annoy's default: `n × n_trees` candidates.
    #[default]
    Default,
    /// At most this many candidates (0 finds nothing).
    Limit(usize),
    /// Every candidate every tree holds.
    Unlimited,
}

impl SearchK {
    /// Annoy's integer convention: -1 is the default, other negative values are unlimited,
    /// others a limit.
    pub fn from_annoy(k: i64) -> SearchK {
        match k {
            -1 => SearchK::Default,
            k if k < 0 => SearchK::Unlimited,
            k => SearchK::Limit(usize::try_from(k).unwrap_or(usize::MAX)),
        }
    }

    /// The same in Annoy's integer convention (-1 default, -2 unlimited).
    pub fn to_annoy(self) -> i64 {
        match self {
            SearchK::Default => -1,
            SearchK::Unlimited => -2,
            SearchK::Limit(k) => i64::try_from(k).unwrap_or(i64::MAX),
        }
    }

    /// The candidate count for a query of `n` on a forest of `n_trees`.
    pub fn candidates(self, n: usize, n_trees: usize) -> usize {
        match self {
            SearchK::Default => n.saturating_mul(n_trees),
            SearchK::Limit(k) => k,
            SearchK::Unlimited => usize::MAX,
        }
    }
}

/// An allow-list over item ids: bit `id % 64` of word `id / 64` is set for each allowed id;
/// ids past the last word are not allowed. Borrowed, so a caller's bitset (a C array, a numpy
/// buffer) serves without a copy; [`Bitset::from_ids`] builds the words.
#[derive(Clone, Copy, Debug)]
pub struct Bitset<'a> {
    words: &'a [u64],
    count: usize,
}

impl<'a> Bitset<'a> {
    /// Views `words` as an allow-list (counts its bits once, here).
    pub fn new(words: &'a [u64]) -> Bitset<'a> {
        let count = words.iter().map(|w| w.count_ones() as usize).sum();
        Bitset { words, count }
    }

    /// The words of a bitset allowing exactly `ids`.
    pub fn from_ids(ids: impl IntoIterator<Item = u32>) -> Vec<u64> {
        let mut words = Vec::new();
        for id in ids {
            let word = id as usize / 64;
            if word >= words.len() {
                words.resize(word + 1, 0);
            }
            words[word] |= 1 << (id % 64);
        }
        words
    }

    /// How many ids the bitset allows (some may be past the index's items).
    pub fn count(&self) -> usize {
        self.count
    }

    pub fn words(&self) -> &'a [u64] {
        self.words
    }

    #[inline]
    pub fn contains(&self, id: u32) -> bool {
        self.words
            .get(id as usize / 64)
            .is_some_and(|w| w >> (id % 64) & 1 == 1)
    }

    /// The allowed ids in increasing order.
    pub fn ids(&self) -> impl Iterator<Item = u32> + 'a {
        self.words.iter().enumerate().flat_map(|(k, &word)| {
            let mut w = word;
            std::iter::from_fn(move || {
                (w != 0).then(|| {
                    let bit = w.trailing_zeros();
                    w &= w - 1;
                    (k * 64) as u32 + bit
                })
            })
        })
    }

    /// Whether scanning the allowed items beats a widened walk. Cost in distance
    /// computations: a scan measures each allowed item once. A walk that gathers `candidates`
    /// allowed ones measures them (at most all allowed items) and passes over about
    /// `candidates × n_items / allowed` items in the trees, each costing roughly
    /// [`WALK_COST`] of a distance (reading bucket ids, heap steps, margins at splits).
    pub fn prefers_scan(&self, candidates: usize, n_items: usize) -> bool {
        let allowed = self.count.min(n_items);
        if allowed == 0 {
            return true;
        }
        let measured = candidates.min(allowed) as f64;
        let passed = candidates as f64 * n_items as f64 / allowed as f64;
        (allowed as f64) <= measured + WALK_COST * passed
    }
}

/// A walk's cost per item it passes over, as a fraction of one distance computation (see
/// [`Bitset::prefers_scan`]).
pub const WALK_COST: f64 = 0.25;

/// Which items a query may return.
#[derive(Clone, Copy, Default)]
pub enum Filter<'a> {
    /// Every item.
    #[default]
    All,
    /// Only the ids in the bitset.
    Allow(Bitset<'a>),
    /// Only the ids the predicate accepts. It is called from the querying thread (from many
    /// threads at once in a batch), may be called more than once for an id, and should be
    /// cheap: a walk calls it for every item it passes over.
    Predicate(&'a (dyn Fn(u32) -> bool + Sync)),
}

impl std::fmt::Debug for Filter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Filter::All => f.write_str("All"),
            Filter::Allow(b) => write!(f, "Allow({} ids)", b.count()),
            Filter::Predicate(_) => f.write_str("Predicate"),
        }
    }
}

/// One query's parameters. Build with [`QueryOptions::new`] and the setters, so fields added
/// later (another index kind's effort) keep existing callers compiling.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct QueryOptions<'a> {
    /// Neighbours wanted.
    pub n: usize,
    /// Candidates examined by the forest's walk.
    pub search_k: SearchK,
    /// Which items may be returned.
    pub filter: Filter<'a>,
    /// The graph's beam width, for an index with a graph (which then answers every query;
    /// `search_k` is the forest's). `None`: [`DEFAULT_EF`]. A width below `n` counts as `n`;
    /// 0 is an error. More: better recall, slower.
    pub ef: Option<usize>,
}

/// The graph's beam width when a query gives none (at least `n`).
pub const DEFAULT_EF: usize = 64;

impl<'a> QueryOptions<'a> {
    /// `n` neighbours, default effort, no filter.
    pub fn new(n: usize) -> QueryOptions<'a> {
        QueryOptions {
            n,
            search_k: SearchK::Default,
            filter: Filter::All,
            ef: None,
        }
    }

    pub fn search_k(mut self, search_k: SearchK) -> Self {
        self.search_k = search_k;
        self
    }

    pub fn filter(mut self, filter: Filter<'a>) -> Self {
        self.filter = filter;
        self
    }

    pub fn ef(mut self, ef: usize) -> Self {
        self.ef = Some(ef);
        self
    }

    /// The beam width a graph search uses: `ef`, or [`DEFAULT_EF`] without one, and at least
    /// `n` (an `ef` of 0 is refused by the search before it asks).
    pub fn beam_width(&self) -> usize {
        self.ef.unwrap_or(DEFAULT_EF).max(self.n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beam_width_is_ef_or_the_default_and_at_least_n() {
        assert_eq!(QueryOptions::new(10).beam_width(), DEFAULT_EF);
        assert_eq!(QueryOptions::new(100).beam_width(), 100);
        assert_eq!(QueryOptions::new(10).ef(200).beam_width(), 200);
        assert_eq!(QueryOptions::new(10).ef(3).beam_width(), 10);
    }
}
