// The calls spell out exactly as many references as generated code does:
// autoref specialization depends on it.
#![allow(clippy::needless_borrow)]

extern crate std;

use super::*;
use std::boxed::Box;
use std::string::{String, ToString};
use std::{format, io};

#[derive(Debug)]
struct OnlyDebug(#[allow(dead_code, reason = "shown by the derived Debug")] u8);
struct Nothing;

#[test]
fn display_prefers_display_then_debug_then_opaque() {
    let text = String::from("boom");
    assert_eq!((&&&Probe(&text)).hn_display().to_string(), "boom");
    assert_eq!(
        (&&&Probe(&OnlyDebug(7))).hn_display().to_string(),
        "OnlyDebug(7)"
    );
    assert_eq!((&&&Probe(&Nothing)).hn_display().to_string(), "..");
}

#[test]
fn debug_prefers_debug_then_opaque() {
    assert_eq!(
        format!("{:?}", (&&Probe(&OnlyDebug(1))).hn_debug()),
        "OnlyDebug(1)"
    );
    assert_eq!(format!("{:?}", (&&Probe(&Nothing)).hn_debug()), "..");
}

#[test]
fn source_finds_every_kind_of_error() {
    let io_error = io::Error::other("disk");
    let source = (&&&&Probe(&io_error)).hn_source().unwrap();
    assert_eq!(source.to_string(), "disk");

    let boxed: Box<dyn Error> = Box::new(io::Error::other("boxed"));
    assert_eq!(
        (&&&&Probe(&boxed)).hn_source().unwrap().to_string(),
        "boxed"
    );

    let boxed_send: Box<dyn Error + Send + Sync> = "send".into();
    assert_eq!(
        (&&&&Probe(&boxed_send)).hn_source().unwrap().to_string(),
        "send"
    );

    assert!((&&&&Probe(&String::from("plain"))).hn_source().is_none());
    assert!((&&&&Probe(&())).hn_source().is_none());
}
