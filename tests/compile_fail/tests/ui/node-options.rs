use hypernodes::prelude::*;

#[node(outptu = text)]
fn load(path: String) -> String {
    path
}

#[node(output = a, output = b)]
fn twice(x: u32) -> u32 {
    x
}

#[node(infallible)]
fn plain(x: u32) -> u32 {
    x
}

#[node(output = (mean, max, min))]
fn stats(xs: &[f64]) -> (f64, f64) {
    (xs[0], xs[0])
}

#[node(output = (a, a))]
fn pair(x: u32) -> (u32, u32) {
    (x, x)
}

fn main() {}
