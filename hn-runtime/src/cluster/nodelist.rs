//! SLURM's compact lists: node names (`node[01-04,07],gpu1`) and tasks per
//! node (`2(x3),1`).

use std::borrow::ToOwned;
use std::format;
use std::string::String;
use std::vec::Vec;

/// More names than any cluster has: a typo such as `node[1-1000000000]`
/// is an error instead of exhausting memory.
const MAX_NAMES: usize = 1 << 20;

/// Expands a SLURM node list into node names, in order.
///
/// Entries are separated by commas outside brackets; a bracket group holds
/// comma-separated numbers and ranges `lo-hi`, zero-padded to the width of
/// `lo` as SLURM writes them (`[08-10]` is `08, 09, 10`). An entry may hold
/// several groups and text after them (`rack[1-2]-n[1-2]-ib`); the last
/// group varies fastest.
pub(crate) fn expand_nodelist(list: &str) -> Result<Vec<String>, String> {
    if list.trim().is_empty() {
        return Err("the node list is empty".to_owned());
    }
    let mut names = Vec::new();
    for entry in split_outside_brackets(list)? {
        let entry = entry.trim();
        if entry.is_empty() {
            return Err(format!("`{list}` has an empty entry"));
        }
        names.extend(expand_entry(entry)?);
        if names.len() > MAX_NAMES {
            return Err(format!("`{list}` names more than {MAX_NAMES} nodes"));
        }
    }
    Ok(names)
}

/// Splits at the commas that are not inside brackets, checking that every
/// bracket is closed and none is nested.
fn split_outside_brackets(list: &str) -> Result<Vec<&str>, String> {
    let mut entries = Vec::new();
    let mut open: Option<usize> = None;
    let mut start = 0;
    for (at, c) in list.char_indices() {
        match (c, open) {
            ('[', Some(_)) => return Err(format!("`{list}`: nested `[` at byte {at}")),
            ('[', None) => open = Some(at),
            (']', None) => return Err(format!("`{list}`: `]` without `[` at byte {at}")),
            (']', Some(_)) => open = None,
            (',', None) => {
                entries.push(&list[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    if let Some(at) = open {
        return Err(format!("`{list}`: `[` at byte {at} is never closed"));
    }
    entries.push(&list[start..]);
    Ok(entries)
}

/// Expands one entry whose brackets are known to be balanced and flat.
fn expand_entry(entry: &str) -> Result<Vec<String>, String> {
    let mut names = Vec::from([String::new()]);
    let mut rest = entry;
    while !rest.is_empty() {
        let (text, group) = match rest.split_once('[') {
            Some((text, after)) => {
                // Balanced by `split_outside_brackets`; an error all the
                // same rather than a panic should that ever change.
                let (group, after) = after
                    .split_once(']')
                    .ok_or_else(|| format!("`{entry}`: a `[` is never closed"))?;
                rest = after;
                (text, Some(group))
            }
            None => (core::mem::take(&mut rest), None),
        };
        for name in &mut names {
            name.push_str(text);
        }
        if let Some(group) = group {
            let values = expand_group(entry, group)?;
            if names.len().saturating_mul(values.len()) > MAX_NAMES {
                return Err(format!("`{entry}` names more than {MAX_NAMES} nodes"));
            }
            names = names
                .iter()
                .flat_map(|name| values.iter().map(move |value| format!("{name}{value}")))
                .collect();
        }
    }
    Ok(names)
}

/// The numbers of one bracket group, as text (zero padding kept).
fn expand_group(entry: &str, group: &str) -> Result<Vec<String>, String> {
    let mut values = Vec::new();
    for part in group.split(',') {
        let part = part.trim();
        let (lo, hi) = part.split_once('-').unwrap_or((part, part));
        let number = |text: &str| {
            if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "`{entry}`: `{part}` in `[{group}]` is not a number or a range lo-hi"
                ));
            }
            text.parse::<u64>()
                .map_err(|_| format!("`{entry}`: `{text}` in `[{group}]` is too large"))
        };
        let (first, last) = (number(lo)?, number(hi)?);
        if first > last {
            return Err(format!(
                "`{entry}`: the range `{part}` in `[{group}]` is reversed"
            ));
        }
        if last - first >= MAX_NAMES as u64 {
            return Err(format!(
                "`{entry}`: the range `{part}` names more than {MAX_NAMES} nodes"
            ));
        }
        let width = lo.len();
        values.extend((first..=last).map(|n| format!("{n:0width$}")));
    }
    Ok(values)
}

/// Expands SLURM's tasks per node (`2(x3),1` is `[2, 2, 2, 1]`).
pub(crate) fn expand_tasks_per_node(list: &str) -> Result<Vec<usize>, String> {
    let mut counts = Vec::new();
    for part in list.split(',') {
        let part = part.trim();
        let (count, repeat) = match part.split_once('(') {
            Some((count, repeat)) => {
                let repeat = repeat
                    .strip_prefix('x')
                    .and_then(|repeat| repeat.strip_suffix(')'))
                    .ok_or_else(|| format!("`{part}` in `{list}` is not `count(xN)`"))?;
                (count, repeat)
            }
            None => (part, "1"),
        };
        let number = |text: &str| {
            text.parse::<usize>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("`{part}` in `{list}`: `{text}` is not a positive number"))
        };
        let (count, repeat) = (number(count)?, number(repeat)?);
        if counts.len().saturating_add(repeat) > MAX_NAMES {
            return Err(format!("`{list}` describes more than {MAX_NAMES} nodes"));
        }
        counts.extend(core::iter::repeat_n(count, repeat));
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(list: &str) -> Vec<String> {
        expand_nodelist(list).unwrap_or_else(|message| panic!("{list}: {message}"))
    }

    fn error(list: &str) -> String {
        match expand_nodelist(list) {
            Ok(names) => panic!("{list} expanded to {names:?}"),
            Err(message) => message,
        }
    }

    #[test]
    fn plain_names() {
        assert_eq!(expand("node1"), ["node1"]);
        assert_eq!(expand("a,b, c"), ["a", "b", "c"]);
    }

    #[test]
    fn ranges_keep_their_padding() {
        assert_eq!(
            expand("node[01-04,07],gpu1,big[1-2]-ib"),
            ["node01", "node02", "node03", "node04", "node07", "gpu1", "big1-ib", "big2-ib"]
        );
        assert_eq!(expand("n[8-10]"), ["n8", "n9", "n10"]);
        assert_eq!(expand("n[08-10]"), ["n08", "n09", "n10"]);
        assert_eq!(expand("n[098-101]"), ["n098", "n099", "n100", "n101"]);
        assert_eq!(expand("n[5]"), ["n5"]);
        assert_eq!(expand("[1-2]x"), ["1x", "2x"]);
    }

    #[test]
    fn several_groups_last_fastest() {
        assert_eq!(
            expand("r[1-2]n[1-2]-ib"),
            ["r1n1-ib", "r1n2-ib", "r2n1-ib", "r2n2-ib"]
        );
        assert_eq!(expand("a[1,3],b[0-1]"), ["a1", "a3", "b0", "b1"]);
    }

    #[test]
    fn malformed_lists() {
        for (list, expected) in [
            ("", "empty"),
            ("  ", "empty"),
            ("a,,b", "empty entry"),
            ("a,", "empty entry"),
            ("node[1-2", "never closed"),
            ("node1-2]", "without `[`"),
            ("node[1-[2]]", "nested"),
            ("node[4-1]", "reversed"),
            ("node[]", "not a number"),
            ("node[1,,2]", "not a number"),
            ("node[a-b]", "not a number"),
            ("node[1-]", "not a number"),
            ("node[-1]", "not a number"),
            ("node[1-2-3]", "not a number"),
            ("node[99999999999999999999]", "too large"),
            ("node[0-99999999]", "more than"),
            ("a[0-1023]b[0-1023]c[0-1]", "more than"),
        ] {
            let message = error(list);
            assert!(message.contains(expected), "{list}: {message}");
        }
    }

    #[test]
    fn tasks_per_node() {
        assert_eq!(expand_tasks_per_node("2(x3),1").unwrap(), [2, 2, 2, 1]);
        assert_eq!(expand_tasks_per_node("4").unwrap(), [4]);
        assert_eq!(expand_tasks_per_node("1,2(x1)").unwrap(), [1, 2]);
        for (list, expected) in [
            ("", "not a positive number"),
            ("0", "not a positive number"),
            ("2(x0)", "not a positive number"),
            ("2(3)", "count(xN)"),
            ("2(x3", "count(xN)"),
            ("two", "not a positive number"),
            ("1,", "not a positive number"),
            ("1(x99999999)", "more than"),
        ] {
            let message = expand_tasks_per_node(list).unwrap_err();
            assert!(message.contains(expected), "{list}: {message}");
        }
    }
}
