//! `#[pipeline(serde)]`: `<Name>Inputs` and `<Name>Outputs` cross process
//! boundaries through serde, with no serde dependency in the user's crate
//! (this test names serde only through `hypernodes::serde`).

use hypernodes::prelude::*;

/// A renamed facade, as a user's `hn = { package = "hypernodes", .. }`.
mod renamed {
    pub use hypernodes as hn;
}

pipeline! {
    /// Inputs with a borrowed parameter type (`&str` becomes `String`).
    #[pipeline(serde, derive(Debug, PartialEq))]
    pub struct Score {
        fn tokens(text: &str) -> Vec<String> {
            text.split_whitespace().map(str::to_owned).collect()
        }
        #[node(output = (count, longest))]
        fn measure(tokens: &[String], weight: f64) -> (f64, Option<String>) {
            let longest = tokens.iter().max_by_key(|t| t.len()).cloned();
            (tokens.len() as f64 * weight, longest)
        }
    }
}

pipeline! {
    /// Through a renamed facade.
    #[pipeline(crate = renamed::hn, serde)]
    pub struct Doubled {
        fn doubled(x: u32) -> u32 { x * 2 }
    }
}

fn is_serde<T: hypernodes::serde::Serialize + hypernodes::serde::de::DeserializeOwned>() {}

#[test]
fn inputs_and_outputs_round_trip() {
    is_serde::<ScoreInputs>();
    is_serde::<ScoreOutputs>();
    is_serde::<DoubledInputs>();
    is_serde::<DoubledOutputs>();

    let inputs: ScoreInputs =
        serde_json::from_str(r#"{"text": "a bb ccc", "weight": 0.5}"#).unwrap();
    assert_eq!(
        inputs,
        ScoreInputs {
            text: "a bb ccc".into(),
            weight: 0.5
        }
    );
    let outputs = Score.run(inputs).unwrap();
    let json = serde_json::to_string(&outputs).unwrap();
    assert_eq!(
        json,
        r#"{"tokens":["a","bb","ccc"],"count":1.5,"longest":"ccc"}"#
    );
    let back: ScoreOutputs = serde_json::from_str(&json).unwrap();
    assert_eq!(back, outputs);

    let doubled = Doubled
        .run(serde_json::from_str(r#"{"x": 21}"#).unwrap())
        .unwrap();
    assert_eq!(
        serde_json::to_string(&doubled).unwrap(),
        r#"{"doubled":42}"#
    );
}

#[test]
fn a_missing_field_is_a_deserialization_error() {
    let error = serde_json::from_str::<ScoreInputs>(r#"{"text": "a"}"#).unwrap_err();
    assert!(
        error.to_string().contains("missing field `weight`"),
        "{error}"
    );
}
