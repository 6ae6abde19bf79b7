//! Conditions: when a node runs and when a value exists, as plain data.
//!
//! A branch is decided by a *gate*: a value of type `bool` or a fieldless
//! enum. A [`Literal`] asks one gate for an [`Arm`] (`gate`, `!gate`,
//! `gate = A | B`); a [`Conjunction`] asks several gates at once (nested
//! branches); a [`Condition`] is a disjunction of conjunctions (disjunctive
//! normal form), because a value with several producers exists when any of
//! them runs. Gates are names; a literal about a gate that does not exist in
//! a run is false.
//!
//! Enum gates are *open*: the macro sees an enum's name, never its
//! variants, so it cannot know that `tone = Formal`, `tone = Casual` and
//! `tone = Refuse` name them all. Every check here therefore counts one
//! more variant that no literal names. The consequences: arms of an enum
//! gate never cover it (a value produced on `tone = Formal` and on
//! `tone = Casual | Refuse` is partial, `Option<T>`), while `g` and `!g` of
//! a bool gate do. A value produced on every arm of an enum must have one
//! producer without a restriction on that gate (a default arm). This errs
//! on the side of `Option`: a value said to be total is total.
//!
//! Cost: `and` distributes conjunctions, and [`Condition::implies`]
//! expands one gate at a time, so both are exponential in the number of
//! gates a condition mentions in the worst case; a pipeline has a few, and
//! the normal form keeps conditions short.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The values of its gate a literal accepts.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Arm {
    /// `gate` (true) or `!gate` (false).
    Bool(bool),
    /// `gate = A | B`: one of these variants, by name (never empty).
    Variants(BTreeSet<String>),
}

impl Arm {
    /// `gate = A | B`.
    pub fn variants<'a>(names: impl IntoIterator<Item = &'a str>) -> Arm {
        Arm::Variants(names.into_iter().map(str::to_owned).collect())
    }

    /// The values both accept, `None` if there are none. A gate has one
    /// kind (`gates.rs` rejects a `bool` arm on an enum gate and the
    /// reverse before the analysis), so arms of different kinds share no
    /// value.
    fn intersect(&self, other: &Arm) -> Option<Arm> {
        match (self, other) {
            (Arm::Bool(a), Arm::Bool(b)) => (a == b).then_some(Arm::Bool(*a)),
            (Arm::Variants(a), Arm::Variants(b)) => {
                let common: BTreeSet<String> = a.intersection(b).cloned().collect();
                (!common.is_empty()).then_some(Arm::Variants(common))
            }
            _ => None,
        }
    }

    /// Whether every value `self` accepts, `other` accepts.
    fn within(&self, other: &Arm) -> bool {
        match (self, other) {
            (Arm::Bool(a), Arm::Bool(b)) => a == b,
            (Arm::Variants(a), Arm::Variants(b)) => a.is_subset(b),
            _ => false,
        }
    }

    /// The values either accepts: `None` when that is every value of the
    /// gate (`g` and `!g`; never for an open enum).
    fn union(&self, other: &Arm) -> Option<Arm> {
        match (self, other) {
            (Arm::Bool(a), Arm::Bool(b)) if a == b => Some(Arm::Bool(*a)),
            (Arm::Bool(_), Arm::Bool(_)) => None,
            (Arm::Variants(a), Arm::Variants(b)) => {
                Some(Arm::Variants(a.union(b).cloned().collect()))
            }
            // Not reached (one kind per gate); keeping one arm is sound
            // only in the direction of `Option`, so keep neither merged.
            _ => Some(self.clone()),
        }
    }
}

/// `gate` asked for `arm`: what one `#[when(..)]` says.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Literal {
    pub gate: String,
    pub arm: Arm,
}

/// Literals that all hold, at most one per gate (two on one gate are
/// intersected). Empty: always true.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Conjunction(BTreeMap<String, Arm>);

impl Conjunction {
    /// `self` and `other` together, `None` if some gate would need two
    /// values at once.
    fn and(&self, other: &Conjunction) -> Option<Conjunction> {
        let mut literals = self.0.clone();
        for (gate, arm) in &other.0 {
            let arm = match literals.get(gate) {
                Some(mine) => mine.intersect(arm)?,
                None => arm.clone(),
            };
            literals.insert(gate.clone(), arm);
        }
        Some(Conjunction(literals))
    }

    /// Whether `self` holds wherever `other` does (each of `self`'s
    /// literals is implied by `other`'s literal on that gate).
    fn weaker_than(&self, other: &Conjunction) -> bool {
        (self.0.iter())
            .all(|(gate, arm)| other.0.get(gate).is_some_and(|theirs| theirs.within(arm)))
    }
}

/// When something happens: one of several conjunctions holds.
///
/// Kept normalized: no conjunction implied by another, and two that differ
/// only in one gate's arm merged (`g && x || !g && x` is `x`). Normal form
/// is for reading; the checks ([`Condition::implies`],
/// [`Condition::excludes`]) do not depend on it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Condition {
    terms: Vec<Conjunction>,
}

impl Default for Condition {
    fn default() -> Self {
        Condition::always()
    }
}

impl Condition {
    /// Unconditional.
    pub fn always() -> Condition {
        Condition {
            terms: vec![Conjunction::default()],
        }
    }

    /// Never.
    pub fn never() -> Condition {
        Condition { terms: Vec::new() }
    }

    /// One literal.
    pub fn literal(literal: &Literal) -> Condition {
        Condition {
            terms: vec![Conjunction(BTreeMap::from([(
                literal.gate.clone(),
                literal.arm.clone(),
            )]))],
        }
    }

    /// Written without a gate: one of its conjunctions is empty. A
    /// condition can also hold in every run by covering a bool gate's two
    /// arms in a way the normal form does not merge; [`Condition::is_total`]
    /// says whether it does.
    pub fn is_always(&self) -> bool {
        self.terms.iter().any(|term| term.0.is_empty())
    }

    /// Whether it can never hold.
    pub fn is_never(&self) -> bool {
        self.terms.is_empty()
    }

    /// Both hold.
    pub fn and(&self, other: &Condition) -> Condition {
        let terms = (self.terms.iter())
            .flat_map(|mine| {
                other
                    .terms
                    .iter()
                    .filter_map(move |theirs| mine.and(theirs))
            })
            .collect();
        Condition::normalized(terms)
    }

    /// Either holds.
    pub fn or(&self, other: &Condition) -> Condition {
        Condition::normalized(self.terms.iter().chain(&other.terms).cloned().collect())
    }

    /// Whether the two never hold in the same run: in every pair of their
    /// conjunctions, some gate is asked for disjoint arms. Symmetric.
    pub fn excludes(&self, other: &Condition) -> bool {
        self.and(other).is_never()
    }

    /// Whether `other` holds in every run where `self` does, enum gates
    /// counted open (see the module's documentation).
    pub fn implies(&self, other: &Condition) -> bool {
        (self.terms.iter()).all(|assumed| covers(&other.terms, assumed))
    }

    /// Whether it holds in every run: a value produced on this condition is
    /// total. Exact, whatever the form (see [`Condition::implies`]).
    pub fn is_total(&self) -> bool {
        Condition::always().implies(self)
    }

    /// Whether it holds when each gate has the value `value_of` gives it
    /// (`None`: the gate does not exist in this run).
    #[cfg(test)]
    pub fn holds(&self, value_of: impl Fn(&str) -> Option<Value>) -> bool {
        (self.terms.iter()).any(|term| {
            (term.0.iter()).all(|(gate, arm)| match (value_of(gate), arm) {
                (Some(Value::Bool(value)), Arm::Bool(wanted)) => value == *wanted,
                (Some(Value::Variant(value)), Arm::Variants(wanted)) => wanted.contains(&value),
                _ => false,
            })
        })
    }

    /// Sorts, merges and drops implied conjunctions, until nothing changes.
    fn normalized(mut terms: Vec<Conjunction>) -> Condition {
        loop {
            terms.sort();
            terms.dedup();
            let before = terms.len();
            // Absorption: a conjunction implied by another adds nothing.
            // (Distinct conjunctions are never weaker than each other both
            // ways: the representation is canonical.)
            let absorbed: Vec<bool> = (terms.iter().enumerate())
                .map(|(index, term)| {
                    (terms.iter().enumerate())
                        .any(|(other, weaker)| other != index && weaker.weaker_than(term))
                })
                .collect();
            let mut absorbed = absorbed.into_iter();
            terms.retain(|_| !absorbed.next().unwrap_or(false));
            // Resolution: two conjunctions equal but for one gate's arm.
            if let Some((a, b, merged)) = mergeable(&terms) {
                terms.remove(b);
                terms.remove(a);
                terms.push(merged);
                continue;
            }
            if terms.len() == before {
                return Condition { terms };
            }
        }
    }
}

/// The first pair of conjunctions (indices `a < b`) that differ in the arm
/// of exactly one gate both ask, with their merge.
fn mergeable(terms: &[Conjunction]) -> Option<(usize, usize, Conjunction)> {
    for a in 0..terms.len() {
        for b in a + 1..terms.len() {
            let (x, y) = (&terms[a].0, &terms[b].0);
            if x.len() != y.len() || !x.keys().eq(y.keys()) {
                continue;
            }
            let mut differing = x.iter().zip(y.values()).filter(|((_, p), q)| p != q);
            let (Some(((gate, p), q)), None) = (differing.next(), differing.next()) else {
                continue;
            };
            let mut merged = x.clone();
            match p.union(q) {
                Some(arm) if arm == *p => continue,
                Some(arm) => merged.insert(gate.clone(), arm),
                None => merged.remove(gate),
            };
            return Some((a, b, Conjunction(merged)));
        }
    }
    None
}

/// Whether one of `terms` holds in every run where `assumed` does.
///
/// Shannon expansion on one gate at a time: the gate takes, in turn, each
/// value that matters (`true` and `false`; each variant some literal or the
/// assumption names, and for an enum not restricted by the assumption one
/// more that nothing names), and each case must be covered.
fn covers(terms: &[Conjunction], assumed: &Conjunction) -> bool {
    // Under the assumption: literals it satisfies go, conjunctions it
    // contradicts go, the others narrow to what it allows.
    let mut restricted: Vec<Conjunction> = Vec::new();
    'terms: for term in terms {
        let mut rest = BTreeMap::new();
        for (gate, arm) in &term.0 {
            match assumed.0.get(gate) {
                Some(known) if known.within(arm) => {}
                Some(known) => match known.intersect(arm) {
                    Some(narrowed) => {
                        rest.insert(gate.clone(), narrowed);
                    }
                    None => continue 'terms,
                },
                None => {
                    rest.insert(gate.clone(), arm.clone());
                }
            }
        }
        if rest.is_empty() {
            return true;
        }
        restricted.push(Conjunction(rest));
    }
    let Some((gate, arm)) = restricted.first().and_then(|term| term.0.iter().next()) else {
        return false;
    };
    let cases: Vec<Option<Arm>> = match (arm, assumed.0.get(gate)) {
        (Arm::Bool(_), _) => vec![Some(Arm::Bool(true)), Some(Arm::Bool(false))],
        // Closed by the assumption: its variants, one at a time.
        (Arm::Variants(_), Some(Arm::Variants(allowed))) => allowed
            .iter()
            .map(|name| Some(Arm::variants([name.as_str()])))
            .collect(),
        // Open: every variant named, and one that none names.
        (Arm::Variants(_), _) => {
            let named: BTreeSet<&String> = (restricted.iter())
                .filter_map(|term| match term.0.get(gate) {
                    Some(Arm::Variants(names)) => Some(names),
                    _ => None,
                })
                .flatten()
                .collect();
            (named.into_iter())
                .map(|name| Some(Arm::variants([name.as_str()])))
                .chain([None])
                .collect()
        }
    };
    cases.into_iter().all(|case| match case {
        Some(value) => {
            let mut narrower = assumed.clone();
            narrower.0.insert(gate.clone(), value);
            covers(&restricted, &narrower)
        }
        // A variant nothing names: every literal on the gate is false.
        None => {
            let without: Vec<Conjunction> = (restricted.iter())
                .filter(|term| !term.0.contains_key(gate))
                .cloned()
                .collect();
            covers(&without, assumed)
        }
    })
}

/// A gate's value in one run, for [`Condition::holds`].
#[cfg(test)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Bool(bool),
    Variant(String),
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_literal(f, &self.gate, &self.arm)
    }
}

fn write_literal(f: &mut fmt::Formatter<'_>, gate: &str, arm: &Arm) -> fmt::Result {
    match arm {
        Arm::Bool(true) => write!(f, "{gate}"),
        Arm::Bool(false) => write!(f, "!{gate}"),
        Arm::Variants(names) => {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            write!(f, "{gate} = {}", names.join(" | "))
        }
    }
}

impl fmt::Display for Conjunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("always");
        }
        for (index, (gate, arm)) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(" && ")?;
            }
            write_literal(f, gate, arm)?;
        }
        Ok(())
    }
}

/// As Rust would read it: `a && !b`, `tone = Formal | Casual`,
/// `(a && b) || c`; `always` and `never` for the constants.
impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.terms.as_slice() {
            [] => f.write_str("never"),
            [only] => write!(f, "{only}"),
            terms => {
                for (index, term) in terms.iter().enumerate() {
                    if index > 0 {
                        f.write_str(" || ")?;
                    }
                    if term.0.len() > 1 {
                        write!(f, "({term})")?;
                    } else {
                        write!(f, "{term}")?;
                    }
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod test;
