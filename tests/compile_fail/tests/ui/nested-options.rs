use hypernodes::prelude::*;

#[node]
fn double(x: u32) -> u32 {
    x * 2
}

pipeline! {
    struct Inner {
        fn loaded(file_path: &str) -> String { file_path.to_owned() }
        fn count(loaded: &str) -> usize { loaded.len() }
    }
}

// An unknown inner input in a rename, with a hint.
pipeline! {
    struct UnknownInput {
        #[nested(inputs(paths = file_pth))]
        Inner,
    }
}

// An unknown output, and an input named where an output is expected.
pipeline! {
    struct UnknownOutput {
        #[nested(outputs(cuont = total, file_path = path))]
        Inner,
    }
}

// `map_over` of something that is not an input; `map_mode` without
// `map_over`; an unknown option.
pipeline! {
    struct BadMap {
        #[nested(map_over = loaded)]
        Inner,
    }
}

pipeline! {
    struct ModeWithoutMap {
        #[nested(map_mode = product, batch = 3)]
        Inner,
    }
}

// `failures` without `map_over`; `failures` named like another output.
pipeline! {
    struct FailuresWithoutMap {
        #[nested(failures = failed)]
        Inner,
    }
}

pipeline! {
    struct FailuresTwice {
        #[nested(map_over = file_path, inputs(file_paths = file_path), failures = count)]
        Inner,
    }
}

// `failures` named like the output of another node.
pipeline! {
    struct FailuresElsewhere {
        #[nested(map_over = file_path, inputs(file_paths = file_path), failures = failed)]
        Inner,
        fn failed(count: &[usize]) -> bool { count.is_empty() }
    }
}

// `#[nested]` on a node.
pipeline! {
    struct NestedNode {
        #[nested]
        double,
    }
}

fn main() {}
