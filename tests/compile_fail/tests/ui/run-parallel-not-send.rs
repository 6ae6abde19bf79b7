use hypernodes::prelude::*;
use std::rc::Rc;

pipeline! {
    struct Shared {
        fn label(text: &str) -> String { text.to_uppercase() }
        #[node(output = shared)]
        fn make_shared(label: &str) -> Rc<String> { Rc::new(label.to_owned()) }
        fn length(shared: &Rc<String>) -> usize { shared.len() }
    }
}

fn main() {
    // `run` needs no thread safety.
    let out = Shared.run(SharedInputs { text: "a".into() }).unwrap();
    assert_eq!(out.length, 1);
    // `run_parallel` sends `shared` across threads.
    let _ = Shared.run_parallel(SharedInputs { text: "a".into() });
}
