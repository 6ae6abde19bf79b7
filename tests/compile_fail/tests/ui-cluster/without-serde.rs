// `map_cluster` sends inputs and outputs to other processes: a pipeline
// without `#[pipeline(serde)]` is told what to add, at the call.
use hypernodes::cluster::Cluster;
use hypernodes::prelude::*;

pipeline! {
    pub struct Double {
        fn doubled(x: u64) -> u64 { x * 2 }
    }
}

fn main() {
    let engine = Engine::new().cluster(Cluster::from_env().unwrap());
    let _ = Double.map_cluster(&engine, [DoubleInputs { x: 1 }]);
}
