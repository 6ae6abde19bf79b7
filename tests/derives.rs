//! `#[pipeline(derive(..))]`: derives for `<Name>Inputs` and `<Name>Outputs`.

use hypernodes::prelude::*;

pipeline! {
    /// Inputs and outputs that can be cloned, compared and hashed.
    #[pipeline(derive(Clone, Debug, PartialEq, Eq, Hash))]
    #[outputs(label)]
    pub struct Labelled {
        fn label(name: &str, index: u32) -> String { format!("{index}:{name}") }
    }
}

pipeline! {
    /// Only `Clone`: `Debug` stays the generated one.
    #[pipeline(crate = hypernodes, derive(Clone))]
    pub struct Cloned {
        fn doubled(x: u32) -> u32 { x * 2 }
    }
}

#[test]
fn derived_traits_work_on_both_structs() {
    let inputs = LabelledInputs {
        name: "a".into(),
        index: 1,
    };
    let again = inputs.clone();
    assert_eq!(inputs, again);
    let out = Labelled.run(inputs).unwrap();
    assert_eq!(out.clone(), out);
    assert_eq!(format!("{out:?}"), r#"LabelledOutputs { label: "1:a" }"#);
    let mut set = std::collections::HashSet::new();
    assert!(set.insert(again));

    // Cloned inputs feed a map twice.
    let items = vec![ClonedInputs { x: 1 }, ClonedInputs { x: 2 }];
    let first = Cloned.try_map(items.clone()).unwrap();
    let second = Cloned.try_map(items).unwrap();
    assert_eq!(first[1].clone().doubled, second[1].doubled);
    assert_eq!(format!("{:?}", first[0]), "ClonedOutputs { doubled: 2 }");
}
