//! [`Timings`]: a callback that times every node.

use super::{Callback, NodeEvent};
use core::fmt;
use std::string::String;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use std::vec::Vec;

/// Times every node: calls, failures, total, mean and max, per node path,
/// across every run and map of the engines it is added to. A handle:
/// clones share the counts.
///
/// `Display` is an aligned table, slowest total first.
///
/// # Examples
///
/// ```
/// use hypernodes::observe::Timings;
/// use hypernodes::prelude::*;
///
/// pipeline! {
///     struct Chain {
///         fn double(x: i64) -> i64 { x * 2 }
///         fn add_one(double: i64) -> i64 { double + 1 }
///     }
/// }
///
/// let timings = Timings::new();
/// let engine = Engine::new().callback(timings.clone());
/// for x in 0..3 {
///     Chain.run_with(&engine, ChainInputs { x }).unwrap();
/// }
/// assert_eq!(timings.get("double").unwrap().calls, 3);
/// println!("{timings}");
/// ```
#[derive(Clone, Default)]
pub struct Timings {
    nodes: Arc<Mutex<Vec<(&'static str, NodeTiming)>>>,
}

/// One node's counts in [`Timings`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NodeTiming {
    /// How many times it ran.
    pub calls: u64,
    /// How many of those failed or panicked.
    pub failures: u64,
    /// The time of all its calls.
    pub total: Duration,
    /// The longest call.
    pub max: Duration,
    /// How many times its result came from the engine's cache instead.
    pub cache_hits: u64,
    /// How many times a branch skipped it (its condition did not hold).
    pub skipped: u64,
}

impl NodeTiming {
    /// The mean time of a call.
    pub fn mean(&self) -> Duration {
        match u32::try_from(self.calls) {
            Ok(0) => Duration::ZERO,
            Ok(calls) => self.total / calls,
            Err(_) => Duration::from_secs_f64(self.total.as_secs_f64() / self.calls as f64),
        }
    }
}

impl Timings {
    /// No counts yet.
    pub fn new() -> Self {
        Timings::default()
    }

    /// The counts of the node at `path`, if it ran.
    pub fn get(&self, path: &str) -> Option<NodeTiming> {
        let nodes = self
            .nodes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        nodes
            .iter()
            .find(|(node, _)| *node == path)
            .map(|(_, timing)| *timing)
    }

    /// Every node's counts, by path, slowest total first.
    pub fn nodes(&self) -> Vec<(&'static str, NodeTiming)> {
        let mut nodes = self
            .nodes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        nodes.sort_by(|a, b| b.1.total.cmp(&a.1.total).then(a.0.cmp(b.0)));
        nodes
    }
}

impl Timings {
    /// Updates the counts of the node at `path`, first seen or not.
    fn update(&self, path: &'static str, update: impl FnOnce(&mut NodeTiming)) {
        let mut nodes = self
            .nodes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let index = match nodes.iter().position(|(node, _)| *node == path) {
            Some(index) => index,
            None => {
                nodes.push((path, NodeTiming::default()));
                nodes.len() - 1
            }
        };
        update(&mut nodes[index].1);
    }
}

impl Callback for Timings {
    fn on_node_end(&self, event: &NodeEvent, elapsed: Duration, ok: bool) {
        self.update(event.node.path, |timing| {
            timing.calls += 1;
            timing.failures += u64::from(!ok);
            timing.total += elapsed;
            timing.max = timing.max.max(elapsed);
        });
    }

    fn on_cache_hit(&self, event: &NodeEvent) {
        self.update(event.node.path, |timing| timing.cache_hits += 1);
    }

    fn on_node_skipped(&self, event: &NodeEvent) {
        self.update(event.node.path, |timing| timing.skipped += 1);
    }
}

impl fmt::Debug for Timings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.nodes()).finish()
    }
}

impl fmt::Display for Timings {
    /// ```text
    /// node         calls  failures      total       mean        max
    /// load_text       50         2   412.3 ms     8.2 ms    15.0 ms
    /// ```
    ///
    /// With columns `cached` and `skipped` after `failures` when a node's
    /// result came from a cache, or a branch skipped one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nodes = self.nodes();
        let width = (nodes.iter().map(|(path, _)| path.chars().count()))
            .chain([4])
            .max()
            .unwrap_or(4);
        let cached = nodes.iter().any(|(_, timing)| timing.cache_hits > 0);
        let skipped = nodes.iter().any(|(_, timing)| timing.skipped > 0);
        let counts =
            |f: &mut fmt::Formatter<'_>, hits: &dyn fmt::Display, skips: &dyn fmt::Display| {
                if cached {
                    write!(f, "  {hits:>8}")?;
                }
                if skipped {
                    write!(f, "  {skips:>8}")?;
                }
                Ok(())
            };
        write!(f, "{:<width$}  {:>8}  {:>8}", "node", "calls", "failures")?;
        counts(f, &"cached", &"skipped")?;
        writeln!(f, "  {:>10}  {:>10}  {:>10}", "total", "mean", "max")?;
        for (path, timing) in nodes {
            write!(
                f,
                "{path:<width$}  {:>8}  {:>8}",
                timing.calls, timing.failures
            )?;
            counts(f, &timing.cache_hits, &timing.skipped)?;
            writeln!(
                f,
                "  {:>10}  {:>10}  {:>10}",
                human(timing.total),
                human(timing.mean()),
                human(timing.max)
            )?;
        }
        Ok(())
    }
}

/// A duration with a unit that keeps it short: `850 ns`, `12.5 µs`,
/// `3.2 ms`, `1.25 s`.
pub(crate) fn human(duration: Duration) -> String {
    let nanos = duration.as_nanos();
    if nanos < 1_000 {
        std::format!("{nanos} ns")
    } else if nanos < 1_000_000 {
        std::format!("{:.1} µs", nanos as f64 / 1e3)
    } else if nanos < 1_000_000_000 {
        std::format!("{:.1} ms", nanos as f64 / 1e6)
    } else {
        std::format!("{:.2} s", duration.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::{human, Timings};
    use crate::callback::{Callback, NodeEvent};
    use crate::NodeInfo;
    use std::string::ToString;
    use std::time::Duration;
    use std::vec::Vec;

    static LOAD: NodeInfo = NodeInfo::__new("load", "stats / load", &[], &[], true, false);
    static COUNT: NodeInfo = NodeInfo::__new("count", "count", &[], &[], false, false);

    fn event(node: &'static NodeInfo) -> NodeEvent {
        NodeEvent {
            pipeline: "P",
            node,
            item: None,
        }
    }

    #[test]
    fn timings_count_calls_failures_total_mean_and_max() {
        let timings = Timings::new();
        let shared = timings.clone();
        shared.on_node_end(&event(&LOAD), Duration::from_millis(10), true);
        shared.on_node_end(&event(&LOAD), Duration::from_millis(30), false);
        timings.on_node_end(&event(&COUNT), Duration::from_micros(5), true);
        let load = timings.get("stats / load").unwrap();
        assert_eq!((load.calls, load.failures), (2, 1));
        assert_eq!(
            (load.total, load.max),
            (Duration::from_millis(40), Duration::from_millis(30))
        );
        assert_eq!(load.mean(), Duration::from_millis(20));
        let table = timings.to_string();
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3, "{table}");
        assert!(
            lines[1].starts_with("stats / load"),
            "slowest first:\n{table}"
        );
        assert!(
            lines[1].contains("40.0 ms") && lines[1].contains("20.0 ms"),
            "{table}"
        );
        assert!(lines[2].starts_with("count       "), "aligned:\n{table}");
        // Columns line up.
        let ends: Vec<usize> = lines.iter().map(|line| line.chars().count()).collect();
        assert!(ends.windows(2).all(|pair| pair[0] == pair[1]), "{table}");
    }

    #[test]
    fn cache_hits_and_skips_are_counted_and_shown_only_when_there_are_some() {
        let timings = Timings::new();
        timings.on_node_end(&event(&LOAD), Duration::from_millis(10), true);
        assert!(!timings.to_string().contains("cached"));
        assert!(!timings.to_string().contains("skipped"));
        timings.on_cache_hit(&event(&LOAD));
        timings.on_cache_hit(&event(&LOAD));
        timings.on_node_skipped(&event(&COUNT));
        let load = timings.get("stats / load").unwrap();
        assert_eq!((load.calls, load.cache_hits, load.skipped), (1, 2, 0));
        let count = timings.get("count").unwrap();
        assert_eq!((count.calls, count.cache_hits, count.skipped), (0, 0, 1));
        let table = timings.to_string();
        let lines: Vec<&str> = table.lines().collect();
        let columns = |line: &str| line.split_whitespace().collect::<Vec<&str>>().join(" ");
        assert_eq!(
            columns(lines[0]),
            "node calls failures cached skipped total mean max"
        );
        assert!(columns(lines[2]).starts_with("count 0 0 0 1 "), "{table}");
        let ends: Vec<usize> = lines.iter().map(|line| line.chars().count()).collect();
        assert!(ends.windows(2).all(|pair| pair[0] == pair[1]), "{table}");
    }

    #[test]
    fn durations_read_with_a_short_unit() {
        assert_eq!(human(Duration::from_nanos(850)), "850 ns");
        assert_eq!(human(Duration::from_nanos(12_500)), "12.5 µs");
        assert_eq!(human(Duration::from_micros(3_200)), "3.2 ms");
        assert_eq!(human(Duration::from_millis(1_250)), "1.25 s");
    }
}
