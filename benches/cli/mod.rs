//! The command line of the callgrind binaries: `<variant> <iterations>`
//! (`1_000_000` allowed), shared by `callgrind_target` and
//! `callgrind_cache`.

use std::process::ExitCode;

/// The variant and the iteration count from the arguments; otherwise the
/// usage (or what is wrong) on stderr and the exit code to return.
pub fn variant_and_count(binary: &str, variants: &str) -> Result<(String, u64), ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [variant, n] => match n.replace('_', "").parse::<u64>() {
            Ok(n) => Ok((variant.clone(), n)),
            Err(error) => {
                eprintln!("{binary}: bad iteration count {n:?}: {error}");
                Err(ExitCode::from(2))
            }
        },
        _ => {
            eprintln!("usage: {binary} <{variants}> <iterations>");
            Err(ExitCode::from(2))
        }
    }
}
