use hypernodes::prelude::*;

pipeline! {
    struct TextStats {
        fn tokens(text: &str) -> Vec<String> { text.split(' ').map(str::to_owned).collect() }
        fn count(tokens: &[String]) -> usize { tokens.len() }
    }
}

pipeline! {
    struct Super {
        fn doubled(x: u32) -> u32 { x * 2 }
    }
}

// The same pipeline twice needs two names.
pipeline! {
    struct Twice {
        #[nested(outputs(count = first))]
        TextStats,
        #[nested(outputs(count = second))]
        TextStats,
    }
}

// A struct named like a path keyword needs a name of its own.
pipeline! {
    struct Keyword {
        #[nested(map_over = x, inputs(xs = x))]
        Super,
    }
}

// Options given twice; a kept-inside value in `#[outputs]`.
pipeline! {
    #[outputs(tokens)]
    struct Options {
        #[nested(name = a, name = b, outputs(count = words))]
        TextStats,
    }
}

// A renamed output that meets an outer one: the hint names the inner name.
pipeline! {
    struct Clash {
        #[nested(outputs(count = words))]
        TextStats,
        fn words(text: &str) -> usize { text.len() }
    }
}


pipeline! {
    struct Pair {
        fn pair(a: &u32, b: &u32) -> u32 { a + b }
    }
}

// One outer value as the mapped `a` and the shared `b`.
pipeline! {
    struct MappedAndShared {
        #[nested(map_over = a, inputs(v = a, v = b))]
        Pair,
    }
}

fn main() {}
