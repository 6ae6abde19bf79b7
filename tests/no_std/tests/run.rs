//! Runs the `#![no_std]` library's pipeline from a std test harness.

use hypernodes::Pipeline;
use hypernodes_no_std_check::{
    read, Calibrated, CalibratedInputs, Reading, ReadingError, SensorError,
};

#[test]
fn runs_without_std() {
    let out = read(2048, 3300, [5, 9, 2, 7]).unwrap();
    assert_eq!(out.millivolts, 1650);
    assert_eq!((out.low, out.high, out.spread), (2, 9, 7));
}

#[test]
fn errors_name_the_node() {
    let error = read(4001, 3300, [0; 4]).unwrap_err();
    assert!(matches!(
        error,
        ReadingError::Checked(SensorError::OutOfRange(4001))
    ));
    assert_eq!(error.node(), "checked");
    assert_eq!(
        error.to_string(),
        "node `checked` failed: raw value 4001 is out of range"
    );
}

#[test]
fn describes_the_graph() {
    assert_eq!(Reading::INPUTS, ["raw", "reference_mv", "window"]);
    let names: Vec<&str> = Reading::NODES.iter().map(|node| node.name).collect();
    assert_eq!(names, ["checked", "to_millivolts", "range", "spread"]);
}

#[test]
fn nested_pipelines_need_no_allocator() {
    // Only `millivolts` is taken from `Reading`: `range` and `spread` are
    // pruned, so `window` is not an input.
    let out = Calibrated
        .run(CalibratedInputs {
            raw: 2048,
            reference_mv: 3300,
            offset_mv: 10,
        })
        .unwrap();
    assert_eq!(out.corrected, 1650 + 10);
    let error = Calibrated
        .run(CalibratedInputs {
            raw: 5000,
            reference_mv: 3300,
            offset_mv: 0,
        })
        .unwrap_err();
    assert_eq!(error.path(), "reading / checked");
}
