use hypernodes::prelude::*;

pipeline! {
    #[pipeline(serde)]
    pub struct Score {
        fn doubled(x: u32) -> u32 { x * 2 }
    }
}

fn main() {
    let _ = Score.run(ScoreInputs { x: 1 });
}
