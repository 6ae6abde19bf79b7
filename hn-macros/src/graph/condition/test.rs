//! Unit and property tests of the condition algebra.
//!
//! The property tests build random conditions over two bool gates `a`, `b`
//! and an enum gate `t`, and check every operation against the truth table:
//! every assignment of the gates, `t` taking the variants `A`, `B`, `C`
//! that literals may name and one, `Other`, that none does (an enum's
//! variants are unknown to the macro).

use super::{Arm, Condition, Literal, Value};
use proptest::prelude::*;

fn literal(gate: &str, arm: Arm) -> Condition {
    Condition::literal(&Literal {
        gate: gate.to_owned(),
        arm,
    })
}

/// `#[when(gate)]`.
fn is(gate: &str) -> Condition {
    literal(gate, Arm::Bool(true))
}

/// `#[when(!gate)]`.
fn not(gate: &str) -> Condition {
    literal(gate, Arm::Bool(false))
}

/// `#[when(gate = A | B)]`.
fn variant(gate: &str, names: &[&str]) -> Condition {
    literal(gate, Arm::variants(names.iter().copied()))
}

fn any_of(conditions: &[Condition]) -> Condition {
    (conditions.iter()).fold(Condition::never(), |all, condition| all.or(condition))
}

fn all_of(conditions: &[Condition]) -> Condition {
    (conditions.iter()).fold(Condition::always(), |all, condition| all.and(condition))
}

// ---------------------------------------------------------------------------
// Bool gates
// ---------------------------------------------------------------------------

#[test]
fn a_bool_gate_and_its_negation_exclude_each_other_and_cover_every_run() {
    assert!(is("g").excludes(&not("g")));
    assert!(not("g").excludes(&is("g")));
    let both = is("g").or(&not("g"));
    assert!(both.is_total());
    assert!(both.is_always(), "merged: {both}");
    assert_eq!(both.to_string(), "always");
}

#[test]
fn different_gates_do_not_exclude_each_other() {
    assert!(!is("a").excludes(&is("b")));
    assert!(!is("a").excludes(&not("b")));
    assert!(!is("a").excludes(&Condition::always()));
    assert!(is("a").and(&not("b")).excludes(&is("b")));
}

#[test]
fn a_contradiction_never_holds_and_excludes_everything() {
    let never = is("a").and(&not("a"));
    assert!(never.is_never());
    assert_eq!(never.to_string(), "never");
    assert!(never.excludes(&never));
    assert!(never.excludes(&Condition::always()));
    assert!(!never.is_total());
    assert!(all_of(&[is("a"), is("b"), not("a")]).is_never());
}

#[test]
fn one_arm_is_not_total() {
    assert!(!is("g").is_total());
    assert!(!is("a").or(&not("b")).is_total());
    assert!(Condition::always().is_total());
    assert!(!Condition::never().is_total());
}

#[test]
fn nested_arms_cover_when_every_branch_is_covered() {
    // `a && b`, `a && !b`, `!a`: every run.
    let nested = any_of(&[is("a").and(&is("b")), is("a").and(&not("b")), not("a")]);
    assert!(nested.is_total());
    assert_eq!(nested.to_string(), "always");
    // Without `a && !b` a branch is missing.
    let missing = any_of(&[is("a").and(&is("b")), not("a")]);
    assert!(!missing.is_total());
    assert_eq!(missing.to_string(), "!a || (a && b)");
}

#[test]
fn coverage_is_found_where_the_normal_form_does_not_show_it() {
    // `a && b || !a && c || !b || !c` covers every run (if `b` and `c`
    // hold, `a` decides which of the first two does), but no two of its
    // conjunctions merge.
    let covering = any_of(&[
        is("a").and(&is("b")),
        not("a").and(&is("c")),
        not("b"),
        not("c"),
    ]);
    assert!(!covering.is_always(), "{covering}");
    assert!(covering.is_total());
}

// ---------------------------------------------------------------------------
// Enum gates
// ---------------------------------------------------------------------------

#[test]
fn enum_arms_exclude_each_other_when_their_variants_are_disjoint() {
    assert!(variant("t", &["A"]).excludes(&variant("t", &["B", "C"])));
    assert!(!variant("t", &["A", "B"]).excludes(&variant("t", &["B"])));
    assert!(!variant("t", &["A"]).excludes(&variant("u", &["B"])));
}

#[test]
fn enum_arms_never_cover_their_gate() {
    // Other variants may exist: `A | B | C` is not every run.
    let arms = any_of(&[
        variant("t", &["A"]),
        variant("t", &["B"]),
        variant("t", &["C"]),
    ]);
    assert_eq!(arms.to_string(), "t = A | B | C");
    assert!(!arms.is_total());
    // An arm without a restriction on the gate is the default.
    assert!(any_of(&[variant("t", &["A"]), Condition::always()]).is_total());
    // A default arm restricted by another gate covers only with its
    // complement.
    let default_if_g = any_of(&[variant("t", &["A"]), is("g")]);
    assert!(!default_if_g.is_total());
    assert!(default_if_g.or(&not("g")).is_total());
}

#[test]
fn enum_arms_intersect() {
    let both = variant("t", &["A", "B"]).and(&variant("t", &["B", "C"]));
    assert_eq!(both.to_string(), "t = B");
    assert!(variant("t", &["A"]).and(&variant("t", &["B"])).is_never());
}

// ---------------------------------------------------------------------------
// Implication
// ---------------------------------------------------------------------------

#[test]
fn a_conjunction_implies_its_parts() {
    let both = is("a").and(&variant("t", &["A"]));
    assert!(both.implies(&is("a")));
    assert!(both.implies(&variant("t", &["A", "B"])));
    assert!(!is("a").implies(&both));
    assert!(Condition::never().implies(&is("a")));
    assert!(is("a").implies(&Condition::always()));
}

#[test]
fn implication_counts_the_variants_an_arm_allows() {
    // Under `t = A | B`, the two arms cover every case.
    let split = variant("t", &["A"]).or(&variant("t", &["B"]));
    assert!(variant("t", &["A", "B"]).implies(&split));
    assert!(!variant("t", &["A", "B", "C"]).implies(&split));
    assert!(!Condition::always().implies(&split));
}

// ---------------------------------------------------------------------------
// Display
// ---------------------------------------------------------------------------

#[test]
fn conditions_read_as_rust() {
    assert_eq!(is("a").and(&not("b")).to_string(), "a && !b");
    assert_eq!(
        variant("tone", &["Formal", "Casual"]).to_string(),
        "tone = Casual | Formal"
    );
    assert_eq!(
        is("a").and(&is("b")).or(&is("c")).to_string(),
        "(a && b) || c"
    );
    assert_eq!(Condition::always().to_string(), "always");
    assert_eq!(Condition::never().to_string(), "never");
}

#[test]
fn implied_conjunctions_are_absorbed() {
    assert_eq!(is("a").or(&is("a").and(&is("b"))).to_string(), "a");
    assert_eq!(
        variant("t", &["A"])
            .and(&is("b"))
            .or(&variant("t", &["A", "B"]))
            .to_string(),
        "t = A | B"
    );
}

// ---------------------------------------------------------------------------
// Property tests: the truth table
// ---------------------------------------------------------------------------

/// A random condition over `a`, `b` (bool) and `t` (enum), from literals,
/// `and`, `or` and the constants.
fn condition() -> impl Strategy<Value = Condition> {
    let leaf = prop_oneof![
        Just(Condition::always()),
        Just(Condition::never()),
        (prop::sample::select(vec!["a", "b"]), any::<bool>())
            .prop_map(|(gate, arm)| literal(gate, Arm::Bool(arm))),
        prop::sample::subsequence(vec!["A", "B", "C"], 1..=3)
            .prop_map(|names| variant("t", &names)),
    ];
    leaf.prop_recursive(4, 32, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(x, y)| x.and(&y)),
            (inner.clone(), inner).prop_map(|(x, y)| x.or(&y)),
        ]
    })
}

/// Every assignment of the gates: `a`, `b`, and `t` as a named variant or
/// one that no literal names.
fn assignments() -> Vec<[Value; 3]> {
    let mut all = Vec::new();
    for a in [false, true] {
        for b in [false, true] {
            for t in ["A", "B", "C", "Other"] {
                all.push([Value::Bool(a), Value::Bool(b), Value::Variant(t.to_owned())]);
            }
        }
    }
    all
}

fn holds(condition: &Condition, assignment: &[Value; 3]) -> bool {
    condition.holds(|gate| match gate {
        "a" => Some(assignment[0].clone()),
        "b" => Some(assignment[1].clone()),
        "t" => Some(assignment[2].clone()),
        _ => None,
    })
}

proptest! {
    #[test]
    fn and_and_or_follow_the_truth_table(x in condition(), y in condition()) {
        let (both, either) = (x.and(&y), x.or(&y));
        for assignment in assignments() {
            prop_assert_eq!(holds(&both, &assignment), holds(&x, &assignment) && holds(&y, &assignment), "{} and {} is {}", x, y, both);
            prop_assert_eq!(holds(&either, &assignment), holds(&x, &assignment) || holds(&y, &assignment), "{} or {} is {}", x, y, either);
        }
    }

    #[test]
    fn exclusion_is_symmetric_and_exact(x in condition(), y in condition()) {
        prop_assert_eq!(x.excludes(&y), y.excludes(&x));
        let together = assignments().iter().any(|assignment| holds(&x, assignment) && holds(&y, assignment));
        prop_assert_eq!(x.excludes(&y), !together, "{} and {}", x, y);
    }

    #[test]
    fn implication_and_totality_are_exact(x in condition(), y in condition()) {
        let implied = assignments().iter().all(|assignment| !holds(&x, assignment) || holds(&y, assignment));
        prop_assert_eq!(x.implies(&y), implied, "{} implies {}", x, y);
        let total = assignments().iter().all(|assignment| holds(&x, assignment));
        prop_assert_eq!(x.is_total(), total, "{} total", x);
        prop_assert!(!x.is_always() || total, "{} is written as always but is not total", x);
        let never = assignments().iter().all(|assignment| !holds(&x, assignment));
        prop_assert_eq!(x.is_never(), never, "{} never", x);
    }
}
