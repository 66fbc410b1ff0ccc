//! `client-session bench`: the tracker's cost per event next to a bare channel baseline
//! measured in the same run, with the same callers.
//!
//! `--caller task` measures the awaiting `track` from tasks on the runtime (round trip);
//! `--caller thread` measures `track_nowait` from OS threads outside the runtime (the cost on
//! the caller's thread), with throughput counted until the sink has every event.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use client_session_actor::{
    Event, Payload, SessionActor, SessionHandle, SystemClock, TrackedEvent,
};
use client_session_core::Config;
use client_session_store::{MemoryStorage, SessionStore};
use client_session_store_cookie::{CookieOptions, CookieStore, NativeJar, Page, SharedJar};
use client_session_store_sled::SledDatabase;
use serde_json::{json, Value};
use tokio::runtime::Runtime;
use tokio::sync::{mpsc, oneshot};

use crate::{Failure, StoreKind};

/// The cookie domain and page host of `--store cookies`.
const BENCH_DOMAIN: &str = "example.test";

/// Who calls `track`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Caller {
    /// Tasks on the runtime, awaiting each `track`.
    Task,
    /// OS threads outside the runtime, calling `track_nowait`.
    Thread,
}

/// What one measured run gives.
struct Run {
    elapsed: Duration,
    latencies_ns: Vec<u64>,
}

impl Run {
    fn report(mut self, events: usize) -> Value {
        self.latencies_ns.sort_unstable();
        let at = |q: f64| {
            let last = self.latencies_ns.len().saturating_sub(1);
            self.latencies_ns
                .get(((last as f64) * q).round() as usize)
                .copied()
                .unwrap_or(0)
        };
        json!({
            "events_per_s": (events as f64 / self.elapsed.as_secs_f64()).round(),
            "latency_ns": { "p50": at(0.50), "p99": at(0.99), "max": at(1.0) },
        })
    }
}

pub(crate) fn bench(
    store: StoreKind,
    data_dir: Option<PathBuf>,
    events: usize,
    handles: usize,
    caller: Caller,
) -> Result<(), Failure> {
    if events == 0 || handles == 0 {
        return Err(Failure::BadInput(
            "--events and --handles must be at least 1".into(),
        ));
    }
    if store != StoreKind::Sled && data_dir.is_some() {
        return Err(Failure::BadInput(
            "--data-dir applies only to --store sled".into(),
        ));
    }
    let per_caller = events.div_ceil(handles);
    let events = per_caller * handles;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .map_err(|e| Failure::Other(format!("cannot start the async runtime: {e}")))?;
    let scratch;
    let mut store_bytes = None;
    let measured = match store {
        StoreKind::Memory => {
            let store = MemoryStorage::new().store("bench");
            measure(&runtime, store, caller, handles, per_caller)?
        }
        StoreKind::Cookies => {
            // The web rules on one page's jar, as `replay` runs a web scenario: every batch
            // reads both cookies and every event writes both back.
            let jar = SharedJar::new(NativeJar::new(Page::https(BENCH_DOMAIN)));
            let store = CookieStore::new(jar, CookieOptions::for_domain(BENCH_DOMAIN));
            measure(&runtime, store, caller, handles, per_caller)?
        }
        StoreKind::Sled => {
            let dir = match data_dir {
                Some(dir) => dir,
                None => {
                    scratch = Scratch::new()?;
                    scratch.0.clone()
                }
            };
            let db = SledDatabase::open(&dir).map_err(|e| Failure::Other(e.to_string()))?;
            let run = measure(&runtime, db.store("bench"), caller, handles, per_caller)?;
            drop(db);
            store_bytes = Some(dir_bytes(&dir));
            run
        }
    };
    let baseline = match caller {
        Caller::Task => echo_from_tasks(&runtime, handles, per_caller),
        Caller::Thread => echo_from_threads(&runtime, handles, per_caller),
    };
    let measured = measured.report(events);
    let baseline = baseline.report(events);
    let ratio = |pointer: &str| {
        let a = measured
            .pointer(pointer)
            .and_then(Value::as_f64)
            .unwrap_or(0.0);
        let b = baseline
            .pointer(pointer)
            .and_then(Value::as_f64)
            .unwrap_or(0.0);
        if b > 0.0 {
            (a / b * 100.0).round() / 100.0
        } else {
            0.0
        }
    };
    let mut out = json!({
        "store": store.name(),
        "caller": match caller { Caller::Task => "task", Caller::Thread => "thread" },
        "call": match caller { Caller::Task => "track (awaited round trip)", Caller::Thread => "track_nowait (caller-side cost)" },
        "events": events,
        "handles": handles,
        "events_per_s": measured["events_per_s"],
        "latency_ns": measured["latency_ns"],
        "baseline": {
            "what": match caller {
                Caller::Task => "bare mpsc + oneshot echo, awaited from the same tasks",
                Caller::Thread => "bare mpsc + oneshot echo, blocking on the reply from the same threads",
            },
            "events_per_s": baseline["events_per_s"],
            "latency_ns": baseline["latency_ns"],
        },
        "ratio_to_baseline": {
            "events_per_s": ratio("/events_per_s"),
            "p50": ratio("/latency_ns/p50"),
        },
    });
    if let Some(bytes) = store_bytes {
        // sled's space use must stay bounded: one record per namespace, overwritten.
        out["store_bytes_after"] = json!(bytes);
    }
    if caller == Caller::Thread {
        let send_only = send_only_from_threads(&runtime, handles, per_caller).report(events);
        out["baseline_send_only"] = json!({
            "what": "bare unbounded mpsc send from the same threads, counted by a task (no reply)",
            "events_per_s": send_only["events_per_s"],
            "latency_ns": send_only["latency_ns"],
        });
        let p50 = |v: &Value| v["latency_ns"]["p50"].as_f64().unwrap_or(0.0);
        out["ratio_to_send_only_p50"] = json!(if p50(&send_only) > 0.0 {
            (p50(&measured) / p50(&send_only) * 100.0).round() / 100.0
        } else {
            0.0
        });
    }
    crate::print(&out.to_string())
}

fn measure<S: SessionStore>(
    runtime: &Runtime,
    store: S,
    caller: Caller,
    handles: usize,
    per_caller: usize,
) -> Result<Run, Failure> {
    // The warm-up event below reaches the sink too.
    let total = handles * per_caller + 1;
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let mut delivered = 0usize;
    let mut done_tx = Some(done_tx);
    let sink = move |_: &TrackedEvent| {
        delivered += 1;
        if delivered == total {
            if let Some(tx) = done_tx.take() {
                let _ = tx.send(Instant::now());
            }
        }
    };
    let (handle, task) = runtime
        .block_on(async {
            let (handle, actor) =
                SessionActor::start(Config::default(), store, Arc::new(SystemClock)).await?;
            Ok::<_, client_session_actor::Error>((
                handle,
                tokio::spawn(actor.with_sink(sink).run()),
            ))
        })
        .map_err(|e| Failure::Other(e.to_string()))?;
    // One event first, so the session exists and its first-event flush is not in the figures.
    runtime
        .block_on(handle.track(event()))
        .map_err(|e| Failure::Other(e.to_string()))?;
    let started = Instant::now();
    let latencies_ns = match caller {
        Caller::Task => from_tasks(runtime, handles, per_caller, &handle),
        Caller::Thread => from_threads(handles, per_caller, &handle),
    };
    let finished = done_rx
        .recv_timeout(Duration::from_secs(600))
        .map_err(|_| Failure::Other("the sink never saw every event".into()))?;
    let elapsed = finished.saturating_duration_since(started);
    runtime
        .block_on(handle.shutdown())
        .map_err(|e| Failure::Other(e.to_string()))?;
    drop(handle);
    let _ = runtime.block_on(task);
    Ok(Run {
        elapsed,
        latencies_ns,
    })
}

/// A plain event: a screen view would be two (its `screen_end` after the first), which is
/// measured by the mobile crate's screen benchmark instead.
fn event() -> Event {
    Event::new(Payload::structured("bench", "event"))
}

fn from_tasks(
    runtime: &Runtime,
    handles: usize,
    per_caller: usize,
    handle: &SessionHandle,
) -> Vec<u64> {
    runtime.block_on(async {
        let callers: Vec<_> = (0..handles)
            .map(|_| {
                let handle = handle.clone();
                tokio::spawn(async move {
                    let mut latencies = Vec::with_capacity(per_caller);
                    for _ in 0..per_caller {
                        let t = Instant::now();
                        if handle.track(event()).await.is_err() {
                            break;
                        }
                        latencies.push(elapsed_ns(t));
                    }
                    latencies
                })
            })
            .collect();
        let mut all = Vec::with_capacity(handles * per_caller);
        for caller in callers {
            all.extend(caller.await.unwrap_or_default());
        }
        all
    })
}

fn from_threads(handles: usize, per_caller: usize, handle: &SessionHandle) -> Vec<u64> {
    time_on_threads(handles, per_caller, || {
        let handle = handle.clone();
        move |_| handle.track_nowait(event()).is_ok()
    })
}

/// Runs `handles` OS threads, each making `per_caller` calls made by `make_call` (a call
/// returns whether it succeeded), and returns every call's latency in nanoseconds.
fn time_on_threads<F>(handles: usize, per_caller: usize, make_call: impl Fn() -> F) -> Vec<u64>
where
    F: FnMut(u64) -> bool + Send + 'static,
{
    let callers: Vec<_> = (0..handles)
        .map(|_| {
            let mut call = make_call();
            std::thread::spawn(move || {
                let mut latencies = Vec::with_capacity(per_caller);
                for i in 0..per_caller as u64 {
                    let t = Instant::now();
                    if !call(i) {
                        break;
                    }
                    latencies.push(elapsed_ns(t));
                }
                latencies
            })
        })
        .collect();
    callers
        .into_iter()
        .flat_map(|c| c.join().unwrap_or_default())
        .collect()
}

type Echo = (u64, oneshot::Sender<u64>);

fn echo_server(runtime: &Runtime) -> mpsc::UnboundedSender<Echo> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Echo>();
    runtime.spawn(async move {
        while let Some((n, reply)) = rx.recv().await {
            let _ = reply.send(n);
        }
    });
    tx
}

fn echo_from_tasks(runtime: &Runtime, handles: usize, per_caller: usize) -> Run {
    let tx = echo_server(runtime);
    let started = Instant::now();
    let latencies_ns = runtime.block_on(async {
        let callers: Vec<_> = (0..handles)
            .map(|_| {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let mut latencies = Vec::with_capacity(per_caller);
                    for i in 0..per_caller as u64 {
                        let t = Instant::now();
                        let (reply, response) = oneshot::channel();
                        if tx.send((i, reply)).is_err() || response.await.is_err() {
                            break;
                        }
                        latencies.push(elapsed_ns(t));
                    }
                    latencies
                })
            })
            .collect();
        let mut all = Vec::new();
        for caller in callers {
            all.extend(caller.await.unwrap_or_default());
        }
        all
    });
    Run {
        elapsed: started.elapsed(),
        latencies_ns,
    }
}

fn echo_from_threads(runtime: &Runtime, handles: usize, per_caller: usize) -> Run {
    let tx = echo_server(runtime);
    let started = Instant::now();
    let latencies_ns = time_on_threads(handles, per_caller, || {
        let tx = tx.clone();
        move |i| {
            let (reply, response) = oneshot::channel();
            tx.send((i, reply)).is_ok() && response.blocking_recv().is_ok()
        }
    });
    Run {
        elapsed: started.elapsed(),
        latencies_ns,
    }
}

fn send_only_from_threads(runtime: &Runtime, handles: usize, per_caller: usize) -> Run {
    let total = handles * per_caller;
    let (tx, mut rx) = mpsc::unbounded_channel::<u64>();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    runtime.spawn(async move {
        let mut seen = 0;
        while rx.recv().await.is_some() {
            seen += 1;
            if seen == total {
                let _ = done_tx.send(Instant::now());
            }
        }
    });
    let started = Instant::now();
    let latencies_ns = time_on_threads(handles, per_caller, || {
        let tx = tx.clone();
        move |i| tx.send(i).is_ok()
    });
    let finished = done_rx
        .recv_timeout(Duration::from_secs(600))
        .unwrap_or_else(|_| Instant::now());
    Run {
        elapsed: finished.saturating_duration_since(started),
        latencies_ns,
    }
}

/// Bytes of every file under `dir`.
fn dir_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| match entry.metadata() {
            Ok(meta) if meta.is_dir() => dir_bytes(&entry.path()),
            Ok(meta) => meta.len(),
            Err(_) => 0,
        })
        .sum()
}

fn elapsed_ns(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// A data directory for one sled benchmark, removed afterwards.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Self, Failure> {
        let dir = std::env::temp_dir().join(format!("client-session-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| Failure::Other(format!("{}: {e}", dir.display())))?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
