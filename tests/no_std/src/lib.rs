//! A `#![no_std]` library without `alloc` that declares and runs pipelines:
//! the sequential path of `hypernodes` needs neither.
#![no_std]
#![deny(warnings)]

use core::fmt;
use hypernodes::prelude::*;

/// Why a reading was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SensorError {
    /// The raw value is outside the sensor's range.
    OutOfRange(u16),
}

impl fmt::Display for SensorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SensorError::OutOfRange(raw) => write!(f, "raw value {raw} is out of range"),
        }
    }
}

impl core::error::Error for SensorError {}

/// Checks the raw reading.
#[node]
pub fn checked(raw: u16) -> Result<u16, SensorError> {
    if raw > 4000 {
        Err(SensorError::OutOfRange(raw))
    } else {
        Ok(raw)
    }
}

/// Millivolts from the checked reading and the reference voltage.
#[node(output = millivolts)]
pub fn to_millivolts(checked: u16, reference_mv: &u32) -> u32 {
    u32::from(checked) * reference_mv / 4096
}

/// Minimum and maximum of a fixed window, borrowed as a slice of an array.
#[node(output = (low, high))]
pub fn range(window: &[u32; 4]) -> (u32, u32) {
    let low = window.iter().copied().min().unwrap_or(0);
    let high = window.iter().copied().max().unwrap_or(0);
    (low, high)
}

pipeline! {
    /// A sensor reading in millivolts, checked, plus its window's range.
    pub struct Reading {
        checked,
        to_millivolts,
        range,
        #[node(output = spread)]
        fn spread(low: u32, high: u32) -> u32 { high - low }
    }
}

/// Runs the pipeline: the function a firmware would call.
pub fn read(raw: u16, reference_mv: u32, window: [u32; 4]) -> Result<ReadingOutputs, ReadingError> {
    Reading.run(ReadingInputs {
        raw,
        reference_mv,
        window,
    })
}

pipeline! {
    /// `Reading` nested in another pipeline: its nodes join this graph, and
    /// its errors keep their path, without an allocator.
    pub struct Calibrated {
        #[nested(outputs(millivolts = measured))]
        Reading,
        /// The measurement corrected by a fixed offset.
        pub fn corrected(measured: u32, offset_mv: &u32) -> u32 { measured + offset_mv }
    }
}
