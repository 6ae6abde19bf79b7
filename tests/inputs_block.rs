//! Input types: inferred from the consumers' parameters, or declared with
//! `inputs { name: Type }`.

use hypernodes::prelude::*;
use std::borrow::Cow;
use std::ffi::{CStr, CString, OsStr, OsString};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Compiles only if both arguments have the same type.
fn same_type<T>(_: &T, _: &T) {}

pipeline! {
    /// Every inference rule at once.
    struct Inferred {
        fn from_str(name: &str) -> usize { name.len() }
        fn from_slice(numbers: &[u16]) -> u16 { numbers.iter().sum() }
        fn from_path(path: &Path) -> usize { path.components().count() }
        fn from_os_str(os: &OsStr) -> usize { os.len() }
        fn from_c_str(c: &CStr) -> usize { c.to_bytes().len() }
        fn from_ref(pair: &(u8, char)) -> char { pair.1 }
        #[allow(clippy::ptr_arg)] // `&Vec<T>` infers `Vec<T>` by the `&T` rule
        fn from_ref_vec(table: &Vec<String>) -> usize { table.len() }
        fn from_value(count: u64) -> u64 { count + 1 }
    }
}

#[test]
fn borrowed_parameters_infer_owned_inputs() {
    let inputs = InferredInputs {
        name: String::from("four"),
        numbers: vec![1, 2, 3],
        path: PathBuf::from("a/b/c"),
        os: OsString::from("xy"),
        c: CString::new("abcde").unwrap(),
        pair: (1, 'z'),
        table: vec!["x".to_owned()],
        count: 41,
    };
    same_type(&inputs.name, &String::new());
    same_type(&inputs.numbers, &Vec::<u16>::new());
    same_type(&inputs.path, &PathBuf::new());
    same_type(&inputs.os, &OsString::new());
    same_type(&inputs.c, &CString::default());
    same_type(&inputs.pair, &(0_u8, ' '));
    same_type(&inputs.table, &Vec::<String>::new());
    same_type(&inputs.count, &0_u64);

    let out = Inferred.run(inputs).unwrap();
    assert_eq!(out.from_str, 4);
    assert_eq!(out.from_slice, 6);
    assert_eq!(out.from_path, 3);
    assert_eq!(out.from_os_str, 2);
    assert_eq!(out.from_c_str, 5);
    assert_eq!(out.from_ref, 'z');
    assert_eq!(out.from_ref_vec, 1);
    assert_eq!(out.from_value, 42);
    assert_eq!(
        Inferred::INPUTS,
        ["name", "numbers", "path", "os", "c", "pair", "table", "count"]
    );
}

pipeline! {
    /// `&str` first, `String` last: one `String` input, moved last.
    struct BorrowThenOwn {
        fn shout(word: &str) -> String { word.to_uppercase() }
        fn keep(word: String, shout: &str) -> String { format!("{word}/{shout}") }
    }
}

pipeline! {
    /// `String` first, `&str` last: the owned consumer gets a clone.
    struct OwnThenBorrow {
        fn owned(word: String) -> String { word + "!" }
        fn borrowed(word: &str, owned: &str) -> String { format!("{word}/{owned}") }
    }
}

#[test]
fn str_and_string_consumers_agree_on_string() {
    let out = BorrowThenOwn
        .run(BorrowThenOwnInputs {
            word: String::from("hi"),
        })
        .unwrap();
    assert_eq!((out.shout.as_str(), out.keep.as_str()), ("HI", "hi/HI"));
    let out = OwnThenBorrow
        .run(OwnThenBorrowInputs {
            word: String::from("hey"),
        })
        .unwrap();
    assert_eq!(
        (out.owned.as_str(), out.borrowed.as_str()),
        ("hey!", "hey/hey!")
    );
    assert_eq!(BorrowThenOwn::INPUTS, ["word"]);
    assert_eq!(OwnThenBorrow::INPUTS, ["word"]);
}

pipeline! {
    /// Declared types instead of the inferred ones.
    struct Declared {
        inputs {
            greeting: &'static str,
            text: Box<str>,
            bytes: Rc<[u8]>,
            label: Cow<'static, str>,
        }
        fn greet(greeting: &str, text: &str) -> String { format!("{greeting}, {text}") }
        fn total(bytes: &[u8]) -> u32 { bytes.iter().map(|&b| u32::from(b)).sum() }
        fn labelled(label: &str, total: u32) -> String { format!("{label}={total}") }
    }
}

#[test]
fn declared_input_types_override_inference() {
    let inputs = DeclaredInputs {
        greeting: "hello",
        text: Box::from("world"),
        bytes: Rc::from(&[1_u8, 2, 3][..]),
        label: Cow::Borrowed("sum"),
    };
    same_type(&inputs.greeting, &"");
    same_type(&inputs.text, &Box::<str>::from(""));
    same_type(&inputs.bytes, &Rc::<[u8]>::from(&[][..]));
    same_type(&inputs.label, &Cow::Borrowed(""));
    let out = Declared.run(inputs).unwrap();
    assert_eq!(out.greet, "hello, world");
    assert_eq!(out.total, 6);
    assert_eq!(out.labelled, "sum=6");
    assert_eq!(Declared::INPUTS, ["greeting", "text", "bytes", "label"]);
}

pipeline! {
    /// A declared type for a by-value parameter, the block after the nodes.
    struct DeclaredLast {
        fn widen(small: u8) -> u64 { u64::from(small) << 40 }
        inputs { small: u8 }
    }
}

#[test]
fn an_inputs_block_may_follow_the_nodes() {
    let out = DeclaredLast.run(DeclaredLastInputs { small: 1 }).unwrap();
    assert_eq!(out.widen, 1 << 40);
}

pipeline! {
    /// Declaring only some inputs leaves the others inferred.
    struct Partly {
        inputs { path: Box<Path> }
        fn joined(path: &Path, name: &str) -> PathBuf { path.join(name) }
    }
}

#[test]
fn undeclared_inputs_are_still_inferred() {
    let inputs = PartlyInputs {
        path: Box::from(Path::new("dir")),
        name: String::from("file"),
    };
    same_type(&inputs.path, &Box::<Path>::from(Path::new("")));
    same_type(&inputs.name, &String::new());
    let out = Partly.run(inputs).unwrap();
    assert_eq!(out.joined, Path::new("dir").join("file"));
}

mod elsewhere {
    use hypernodes::prelude::*;

    /// A type only this module names.
    #[derive(Debug, Default, PartialEq)]
    pub struct Settings {
        pub(crate) depth: u8,
    }

    #[node]
    pub fn depth_of(settings: &Settings, root: &std::path::Path) -> usize {
        root.components().count() + usize::from(settings.depth)
    }
}

mod user {
    // Nothing imported but the macros: the pipeline names the node's types
    // through the node.
    use hypernodes::prelude::*;

    pipeline! {
        pub struct Remote {
            crate::elsewhere::depth_of,
        }
    }
}

#[test]
fn inputs_of_a_node_from_another_module_need_no_imports() {
    let inputs = user::RemoteInputs {
        settings: elsewhere::Settings { depth: 2 },
        root: PathBuf::from("a/b"),
    };
    same_type(&inputs.settings, &elsewhere::Settings::default());
    same_type(&inputs.root, &PathBuf::new());
    let out = user::Remote.run(inputs).unwrap();
    assert_eq!(out.depth_of, 4);
}

pipeline! {
    /// A `'static` parameter needs its input declared as such.
    struct Static {
        inputs { tag: &'static str }
        fn tagged(tag: &'static str, n: u8) -> (&'static str, u8) { (tag, n) }
    }
}

#[test]
fn a_static_parameter_with_a_declared_input() {
    let out = Static.run(StaticInputs { tag: "t", n: 1 }).unwrap();
    assert_eq!(out.tagged, ("t", 1));
}

mod static_references {
    use hypernodes::prelude::*;

    pipeline! {
        /// A `&'static str` parameter takes the reference itself as its value.
        pub struct Greeting {
            fn label() -> &'static str { "hello" }
            fn greet(label: &'static str, name: &'static str) -> String { format!("{label}, {name}") }
        }
    }

    #[test]
    fn static_reference_parameters_are_values() {
        let out = Greeting.run(GreetingInputs { name: "world" }).unwrap();
        assert_eq!(out.greet, "hello, world");
        assert_eq!(out.label, "hello");
    }
}
