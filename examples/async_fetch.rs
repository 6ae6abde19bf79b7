//! 100 requests to a local TCP server that answers after 10 ms: awaited one
//! after another, then with `map_async`, which keeps them all in flight.
//!
//! Run with `cargo run --release --example async_fetch`.

use hypernodes::prelude::*;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// How long the server takes to answer: the latency of a remote service.
const LATENCY: Duration = Duration::from_millis(10);
const REQUESTS: usize = 100;

/// Sends one line and reads the echoed line back.
#[node(output = reply, timeout_ms = 1000, retries = 1, backoff_ms = 10)]
async fn request(server: &SocketAddr, message: &str) -> std::io::Result<String> {
    let mut stream = BufReader::new(TcpStream::connect(server).await?);
    stream
        .get_mut()
        .write_all(format!("{message}\n").as_bytes())
        .await?;
    let mut reply = String::new();
    stream.read_line(&mut reply).await?;
    Ok(reply.trim_end().to_owned())
}

pipeline! {
    /// One request and the length of its reply.
    pub struct Fetch {
        request,
        fn reply_len(reply: &str) -> usize { reply.len() }
    }
}

/// An echo server on 127.0.0.1 that waits `LATENCY` before each answer.
async fn start_server() -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut socket = BufReader::new(socket);
                let mut line = String::new();
                if socket.read_line(&mut line).await.is_ok() {
                    tokio::time::sleep(LATENCY).await;
                    let _ = socket
                        .get_mut()
                        .write_all(format!("echo {line}").as_bytes())
                        .await;
                }
            });
        }
    });
    Ok(address)
}

fn inputs(server: SocketAddr) -> impl Iterator<Item = FetchInputs> {
    (0..REQUESTS).map(move |i| FetchInputs {
        server,
        message: format!("request {i}"),
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = start_server().await?;

    let start = Instant::now();
    for item in inputs(server) {
        Fetch.run_async(item).await?;
    }
    let one_by_one = start.elapsed();

    let start = Instant::now();
    let results = Fetch.map_async(inputs(server)).await;
    let concurrent = start.elapsed();
    let failed = results.iter().filter(|result| result.is_err()).count();

    println!(
        "{REQUESTS} requests of {} ms to a local echo server\n",
        LATENCY.as_millis()
    );
    println!("{:<28} {:>10} {:>8}", "how", "time", "speedup");
    println!(
        "{:<28} {:>8.1}ms {:>7.1}x",
        "awaited one after another",
        ms(one_by_one),
        1.0
    );
    println!(
        "{:<28} {:>8.1}ms {:>7.1}x",
        "map_async",
        ms(concurrent),
        one_by_one.as_secs_f64() / concurrent.as_secs_f64()
    );
    println!("\n{} replies, {failed} failed", results.len() - failed);
    Ok(())
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
