//! How many pieces a parallel map cuts its items into.
//!
//! [`npartitions`] picks the number of partitions from the number of items,
//! the [`Workload`] and the number of CPUs; [`chunk_len`] turns that number
//! into the length of one piece. Both are plain integer arithmetic on `usize`
//! and work without `std` or `alloc`.
//!
//! # The policy
//!
//! What it splits on: the item count alone. Items are assumed to cost about
//! the same; nothing is measured at run time.
//!
//! 1. **Oversubscribe.** The target is `cpus × factor` ([`Workload::factor`]:
//!    I/O 4, CPU 2, mixed 3; `cpus` is clamped to at least 1). More
//!    partitions than cores lets a core that finishes early take another
//!    partition instead of idling while one slow partition finishes, and lets
//!    I/O-bound work keep a core busy while other partitions wait.
//! 2. **Granularity.** A partition should hold at least
//!    [`MIN_ITEMS_PER_PARTITION`] items, so cheap items are not drowned in
//!    scheduling overhead, and at most [`MAX_ITEMS_PER_PARTITION`], so the
//!    load still balances and the memory one task holds stays bounded. This
//!    gives the window `ceil(items / 1000) ..= items / 10` for the count.
//! 3. **Use every core.** The count is never below `min(items, cpus)`: ten
//!    items on eight CPUs make eight partitions, not one, even though that
//!    breaks the minimum of step 2. (The Python engine this follows makes one
//!    partition below 20 items, i.e. no parallelism at all; this one does
//!    not.)
//!
//!    Steps 1–3 together: with `lo = max(min(items, cpus), ceil(items / 1000))`
//!    and `hi = max(items / 10, lo)`, the count is the target clamped to
//!    `lo..=hi`.
//! 4. **Prefer a power of two when one is close.** Let `n` be the clamped
//!    count. A power of two `p` is close when `|n − p| ≤ n / 3` (integer
//!    division). If some close `p` lies in `lo..=hi`, the result is the
//!    closest one, the smaller on a tie; otherwise it is `n`. Powers of two
//!    split evenly by halving, which is what a work-stealing pool does. The
//!    rounding stays inside `lo..=hi`, so it never undoes steps 2 and 3.
//! 5. **Edges.** Zero items give one partition (never zero); otherwise the
//!    result is at most `items` (implied by `hi ≤ items`).
//!
//! When it stops: there is no recursion. The result is final, and the
//! executor splits the items into pieces of at least [`chunk_len`] items
//! (for rayon: `with_min_len(chunk_len(items, n))`), so it never makes more
//! than `n` pieces. It may make fewer when `n` does not divide `items`
//! (10 items, `n = 8`: pieces of 2, so 5 of them); an executor that wants
//! exactly `n` pieces splits them balanced instead (each piece
//! `items / n` or one more).
//!
//! Examples, 8 CPUs, mixed workload (target 24):
//!
//! | items | `lo..=hi` | clamped | result |
//! | ---: | ---: | ---: | ---: |
//! | 10 | 8..=8 | 8 | **8** (every core, though with 1–2 items each) |
//! | 100 | 8..=10 | 10 | **8** (10 is within 3 of 8, not of 16) |
//! | 500 | 8..=50 | 24 | **16** (16 and 32 are both 8 away: the smaller) |
//! | 140 | 8..=14 | 14 | **14** (16 would leave fewer than 10 items each) |
//! | 1 000 000 | 1000..=100 000 | 1000 | **1024** |
//!
//! Properties (tested): the result is in `lo..=hi`, hence `1..=items` when
//! `items ≥ 1`; it is non-decreasing in `items`, in `cpus` and in the
//! workload's factor (`Io ≥ Mixed ≥ Cpu`). The rounding keeps monotonicity
//! because `n`, `lo` and `hi` are each non-decreasing in every argument and
//! "closest power of two in a window" is non-decreasing in all three.

/// The fewest items a partition should hold, so that cheap items are not
/// drowned in scheduling overhead.
///
/// [`npartitions`] keeps to it unless that would leave a CPU idle (fewer
/// than `10 × cpus` items).
///
/// # Examples
///
/// ```
/// use hypernodes::partition::{npartitions, Workload, MIN_ITEMS_PER_PARTITION};
///
/// // 1000 items on 64 CPUs: the target 64 × 3 = 192 would leave 5 items per
/// // partition, so it is capped at 1000 / 10 = 100.
/// let n = npartitions(1000, Workload::Mixed, 64);
/// assert_eq!(n, 100);
/// assert_eq!(1000 / n, MIN_ITEMS_PER_PARTITION);
///
/// // 10 items on 8 CPUs: every CPU gets an item, minimum or not.
/// assert_eq!(npartitions(10, Workload::Mixed, 8), 8);
/// ```
pub const MIN_ITEMS_PER_PARTITION: usize = 10;

/// The most items a partition should hold, so that the load balances and
/// the memory one task holds stays bounded.
///
/// [`npartitions`] always keeps to it.
///
/// # Examples
///
/// ```
/// use hypernodes::partition::{chunk_len, npartitions, Workload, MAX_ITEMS_PER_PARTITION};
///
/// let items = 10_000_000;
/// let n = npartitions(items, Workload::Cpu, 8);
/// assert_eq!(n, 10_000);
/// assert!(chunk_len(items, n) <= MAX_ITEMS_PER_PARTITION);
/// ```
pub const MAX_ITEMS_PER_PARTITION: usize = 1000;

/// What a map's items mostly do; tells [`npartitions`] how much to
/// oversubscribe the CPUs.
///
/// Oversubscribing (more partitions than CPUs) lets a CPU that finishes early
/// pick up more work, and lets a CPU run one partition while another waits
/// on I/O. Work that waits a lot wants more of it; pure computation wants
/// less, since every extra partition costs scheduling and only evens out
/// uneven items. See [`Workload::factor`].
///
/// # Examples
///
/// ```
/// use hypernodes::partition::{npartitions, Workload};
///
/// assert_eq!(Workload::default(), Workload::Mixed);
/// // 10 000 items on 8 CPUs:
/// assert_eq!(npartitions(10_000, Workload::Io, 8), 32);
/// assert_eq!(npartitions(10_000, Workload::Mixed, 8), 16);
/// assert_eq!(npartitions(10_000, Workload::Cpu, 8), 16);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Workload {
    /// Mostly waiting: network calls, files, databases. Oversubscribes 4×.
    Io,
    /// Mostly computing. Oversubscribes 2×: enough to even out uneven items.
    Cpu,
    /// Some of both, or unknown (the default). Oversubscribes 3×.
    #[default]
    Mixed,
}

impl Workload {
    /// How many partitions per CPU [`npartitions`] aims for: `Io` 4,
    /// `Cpu` 2, `Mixed` 3.
    ///
    /// # Examples
    ///
    /// ```
    /// use hypernodes::partition::Workload;
    ///
    /// assert_eq!(Workload::Io.factor(), 4);
    /// assert_eq!(Workload::Cpu.factor(), 2);
    /// assert_eq!(Workload::Mixed.factor(), 3);
    /// ```
    #[must_use]
    pub fn factor(self) -> usize {
        match self {
            Workload::Io => 4,
            Workload::Cpu => 2,
            Workload::Mixed => 3,
        }
    }
}

/// How many partitions a parallel map over `items` items should make.
///
/// The target is `cpus × workload.factor()`, clamped so that partitions hold
/// between [`MIN_ITEMS_PER_PARTITION`] and [`MAX_ITEMS_PER_PARTITION`] items
/// but never so that a CPU goes idle, then moved to a nearby power of two if
/// one is within a third. The [module documentation](self) has the full
/// policy and its reasons.
///
/// `cpus` below 1 counts as 1. The result is at least 1, and at most `items`
/// when `items ≥ 1`. It never decreases when `items`, `cpus` or the
/// workload's factor grows.
///
/// # Examples
///
/// ```
/// use hypernodes::partition::{npartitions, Workload};
///
/// // 8 CPUs, mixed workload: the target is 24.
/// assert_eq!(npartitions(10, Workload::Mixed, 8), 8); // every core, 1–2 items each
/// assert_eq!(npartitions(100, Workload::Mixed, 8), 8); // at least 10 items each: 10, then 8
/// assert_eq!(npartitions(500, Workload::Mixed, 8), 16); // 24 is as close to 16 as to 32
///
/// assert_eq!(npartitions(0, Workload::Io, 8), 1);
/// assert_eq!(npartitions(1_000_000, Workload::Cpu, 8), 1024); // at most 1000 items each
/// ```
#[must_use]
pub fn npartitions(items: usize, workload: Workload, cpus: usize) -> usize {
    if items == 0 {
        return 1;
    }
    let cpus = cpus.max(1);
    let target = cpus.saturating_mul(workload.factor());
    let lo = items.min(cpus).max(items.div_ceil(MAX_ITEMS_PER_PARTITION));
    let hi = (items / MIN_ITEMS_PER_PARTITION).max(lo);
    nearby_power_of_two(target.clamp(lo, hi), lo, hi)
}

/// The closest power of two `p` to `n` with `|n − p| ≤ n / 3` and
/// `lo ≤ p ≤ hi`, the smaller on a tie; `n` itself if there is none.
///
/// Needs `1 ≤ lo ≤ n ≤ hi`. At most two powers of two are that close to `n`:
/// the largest one `≤ n` and the smallest one `≥ n`.
fn nearby_power_of_two(n: usize, lo: usize, hi: usize) -> usize {
    debug_assert!(1 <= lo && lo <= n && n <= hi);
    if n.is_power_of_two() {
        return n;
    }
    let tolerance = n / 3;
    let floor_pow = 1 << (usize::BITS - 1 - n.leading_zeros());
    let below = Some(floor_pow).filter(|&p| p >= lo && n - p <= tolerance);
    let above = floor_pow
        .checked_mul(2)
        .filter(|&p| p <= hi && p - n <= tolerance);
    match (below, above) {
        (Some(below), Some(above)) if n - below <= above - n => below,
        (_, Some(above)) => above,
        (Some(below), None) => below,
        (None, None) => n,
    }
}

/// How many items one piece holds when `items` items are cut into
/// `partitions` pieces: `ceil(items / partitions)`, at least 1.
///
/// This is the length an executor cuts the items into, or passes to its
/// splitter as a minimum (for rayon, `with_min_len`): either way there are at
/// most `partitions` pieces. There may be fewer, since the length is rounded
/// up: 10 items in 6 partitions give pieces of 2, hence 5 pieces. An
/// executor that needs exactly `partitions` pieces splits balanced instead
/// (each piece `items / partitions` or one more). `partitions` below 1
/// counts as 1.
///
/// # Examples
///
/// ```
/// use hypernodes::partition::{chunk_len, npartitions, Workload};
///
/// let items = 500;
/// let n = npartitions(items, Workload::Mixed, 8);
/// assert_eq!(n, 16);
/// assert_eq!(chunk_len(items, n), 32); // 15 pieces of 32 and one of 20
///
/// assert_eq!(chunk_len(0, 4), 1);
/// assert_eq!(chunk_len(10, 6), 2);
/// ```
#[must_use]
pub fn chunk_len(items: usize, partitions: usize) -> usize {
    items.div_ceil(partitions.max(1)).max(1)
}

#[cfg(test)]
mod test;
