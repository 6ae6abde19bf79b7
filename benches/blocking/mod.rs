//! The blocking map shared by `parallel.rs` (`io_map`) and
//! `io_first_call.rs`: one node that sleeps 10 ms, as a blocking call would.

use hypernodes::prelude::*;
use std::thread::sleep;
use std::time::Duration;

/// The number of items of a blocking map.
pub const IO_ITEMS: u64 = 100;

pipeline! {
    /// One blocking call of 10 ms.
    pub struct Io {
        #[node(output = response)]
        fn call(request: u64) -> u64 {
            sleep(Duration::from_millis(10));
            request
        }
    }
}

/// The items `0..IO_ITEMS`.
pub fn items() -> impl Iterator<Item = IoInputs> {
    (0..IO_ITEMS).map(|request| IoInputs { request })
}
