//! Sends unary AnalyzeText calls through the balancing client and prints how
//! they spread over the endpoints, and how many failed.
//!
//! ```sh
//! cargo run -p textstance-client --example spread -- ipv4:127.0.0.1:50051,127.0.0.2:50051 20000 32
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use textstance_client::{ClientBuilder, pb};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let target = args
        .next()
        .ok_or("usage: spread TARGET [CALLS] [CONCURRENCY]")?;
    let calls: u64 = args.next().map_or(Ok(10_000), |s| s.parse())?;
    let workers: u64 = args.next().map_or(Ok(16), |s| s.parse())?;
    let client = ClientBuilder::new(target)
        .request_timeout(Duration::from_secs(10))
        .connect()
        .await?;
    let next = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (client, next, failed) = (client.clone(), next.clone(), failed.clone());
        tasks.push(tokio::spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < calls {
                let req = pb::AnalyzeTextRequest {
                    document: Some(pb::Document {
                        content: Some(pb::document::Content::Text(
                            "The talks will probably resume. There is little reason for optimism."
                                .into(),
                        )),
                        ..Default::default()
                    }),
                    ..Default::default()
                };
                if let Err(e) = client.analyze_text(req).await {
                    failed.fetch_add(1, Ordering::Relaxed);
                    eprintln!("call failed: {e}");
                }
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{calls} calls in {secs:.2} s ({:.0}/s), {} failed, retry tokens left {:.1}",
        calls as f64 / secs,
        failed.load(Ordering::Relaxed),
        client.retry_tokens()
    );
    for s in client.endpoint_stats() {
        println!(
            "  {:<22} calls {:>7} ({:>5.1}%)  failures {:>4}  healthy {}",
            s.address,
            s.calls,
            100.0 * s.calls as f64 / calls.max(1) as f64,
            s.failures,
            s.healthy
        );
    }
    Ok(())
}
