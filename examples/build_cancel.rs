//! How quickly a build reports and stops: builds 1M random 64-d vectors (10 trees) on 1 and
//! 2 threads, records the longest gap between progress calls, then cancels a build after
//! `CANCEL_AFTER` and measures how long it takes to return.
//!
//! `cargo run --release --example build_cancel [n_items]`

use annoy::{Index, Metric};
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

const CANCEL_AFTER: Duration = Duration::from_millis(1500);

fn main() -> annoy::Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(1_000_000, |a| a.parse().expect("a count"));
    let dim = 64;
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut index = Index::new(dim, Metric::Euclidean)?;
    let mut v = vec![0f32; dim];
    for i in 0..n {
        for x in v.iter_mut() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *x = (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
        }
        index.add_item(i as u32, &v)?;
    }
    for threads in [1, 2] {
        let started = Instant::now();
        let (mut last, mut longest) = (started, Duration::ZERO);
        index.build_with_progress(10, threads, &mut |_| {
            let now = Instant::now();
            longest = longest.max(now - last);
            last = now;
            ControlFlow::Continue(())
        })?;
        let built = started.elapsed();
        index.unbuild()?;

        let started = Instant::now();
        let mut asked = None;
        let result = index.build_with_progress(10, threads, &mut |_| {
            if started.elapsed() >= CANCEL_AFTER {
                asked = Some(Instant::now());
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        let returned = Instant::now();
        assert!(matches!(result, Err(annoy::Error::Cancelled)));
        let latency = returned - asked.expect("cancelled");
        println!(
            "{n} items, {threads} thread(s): build {:.2} s, longest gap between progress calls \
             {:.1} ms, cancel to return {:.1} ms",
            built.as_secs_f64(),
            longest.as_secs_f64() * 1e3,
            latency.as_secs_f64() * 1e3
        );
    }
    Ok(())
}
