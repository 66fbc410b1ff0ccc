//! One web session decision as the tracker makes it, next to baselines measured in the same
//! run: read both cookies from a [`NativeJar`] that holds them and a few unrelated cookies,
//! decode `_sp_id`, decide with `WebRules::track`, encode `_sp_id` and write both back. The
//! decision goes through [`CookieStore`] (`load`, then `save`), the code the actor runs, so the
//! figure cannot drift from it. `cargo bench -p client-session-store-cookie`.
#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use client_session_core::{
    expires_after, Config, EventStamp, Payload, PersistedSession, PreviousRun, SessionRecord,
    SessionState, StorageMechanism, UserId, WebConfig, WebCookies, WebRules, ID_COOKIE_LIFETIME_S,
};
use client_session_store::{Durability, Loaded, SessionStore};
use client_session_store_cookie::{
    CookieAttributes, CookieJar, CookieOptions, CookieStore, NativeJar, Page, SpId,
};
use criterion::{criterion_group, criterion_main, Criterion};
use uuid::Uuid;

/// 2023-11-14T22:13:20.000Z.
const T0: i64 = 1_700_000_000_000;
const DOMAIN: &str = "example.test";

/// Runs a future that never waits (the cookie store's are synchronous underneath) to its end,
/// without a runtime, so no executor's cost is in the figures.
fn ready<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the cookie store never waits"),
    }
}

fn stamp() -> EventStamp {
    EventStamp {
        id: Uuid::from_u128(9),
        dtm_ms: T0,
    }
}

/// A page's jar as a site has it: a few cookies of other scripts (one host-only, three on the
/// domain), then both tracker cookies as a page load wrote them.
fn store_on_a_busy_jar() -> CookieStore<NativeJar> {
    let mut jar = NativeJar::new(Page::https(DOMAIN));
    let year = Some(T0 / 1000 + 365 * 86_400);
    let on_domain = CookieAttributes {
        expires_s: year,
        path: Some("/".to_owned()),
        domain: Some(DOMAIN.to_owned()),
        ..CookieAttributes::default()
    };
    let others = [
        ("_ga", "GA1.1.1234567890.1700000000", &on_domain),
        ("_gid", "GA1.1.987654321.1700000000", &on_domain),
        ("consent", "analytics%3Dtrue%2Cads%3Dfalse", &on_domain),
        ("theme", "dark", &CookieAttributes::default()),
    ];
    for (name, value, attributes) in others {
        if let Err(e) = jar.set(name, value, attributes, T0) {
            panic!("{name}: {e}");
        }
    }
    let mut store = CookieStore::new(jar, CookieOptions::for_domain(DOMAIN));
    let rules = WebRules::new(WebConfig::default());
    let mut ids = (1u128..).map(Uuid::from_u128);
    let write = rules.start(WebCookies::default(), T0, || ids.next().unwrap_or_default());
    if let Err(e) = ready(store.save(&write, T0, Durability::Durable)) {
        panic!("page load: {e}");
    }
    // Every decision below must take the path of an event in a session under way.
    let cookies = load(&mut store, T0 + 1);
    assert!(
        cookies.id.is_some() && cookies.session_cookie,
        "{cookies:?}"
    );
    store
}

/// What the store reads: both cookies, `_sp_id` decoded.
fn load(store: &mut CookieStore<NativeJar>, now_ms: i64) -> WebCookies {
    match ready(store.load(now_ms)) {
        Ok(Loaded::Current(cookies)) => cookies,
        Ok(Loaded::Unchanged) => panic!("the cookie store always reads"),
        Err(e) => panic!("load: {e}"),
    }
}

fn web_decision(c: &mut Criterion) {
    let rules = WebRules::new(WebConfig::default());
    // The session continues (its `_sp_ses` is live), as for every event but a session's first.
    let now = T0 + 1;
    let mut group = c.benchmark_group("web decision");
    group.bench_function(
        "read, decode, WebRules::track, encode, write (CookieStore on NativeJar, 2+4 cookies)",
        |b| {
            let mut store = store_on_a_busy_jar();
            b.iter(|| {
                let cookies = load(&mut store, now);
                let tracked = rules.track(cookies, now, stamp(), Uuid::nil);
                if let Err(e) = ready(store.save(&tracked.write, now, Durability::Durable)) {
                    panic!("save: {e}");
                }
                black_box(tracked.client_session)
            });
        },
    );
    group.finish();

    // Each step alone, to see which one a decision's time goes to.
    let mut group = c.benchmark_group("web decision steps");
    let mut store = store_on_a_busy_jar();
    let names = store.names().clone();
    let cookies = load(&mut store, now);
    let tracked = rules.track(cookies, now, stamp(), Uuid::nil);
    let value = SpId::encode(&tracked.write.id);
    group.bench_function("CookieStore::load (2 jar reads + SpId::decode)", |b| {
        b.iter(|| black_box(load(&mut store, black_box(now))));
    });
    group.bench_function("NativeJar::get _sp_id (2+4 cookies)", |b| {
        b.iter(|| black_box(store.jar().get(black_box(&names.id), now)));
    });
    group.bench_function("WebRules::track", |b| {
        b.iter(|| black_box(rules.track(black_box(cookies), now, stamp(), Uuid::nil)));
    });
    group.bench_function("CookieStore::save (SpId::encode + 2 jar writes)", |b| {
        b.iter(|| {
            black_box(ready(store.save(
                black_box(&tracked.write),
                now,
                Durability::Durable,
            )))
        });
    });
    let options = CookieOptions::for_domain(DOMAIN);
    let attributes = options.attributes(Some(expires_after(now, ID_COOKIE_LIFETIME_S)));
    let mut jar = store.jar().clone();
    group.bench_function("NativeJar::set _sp_id (2+4 cookies)", |b| {
        b.iter(|| black_box(jar.set(&names.id, black_box(&value), &attributes, now)));
    });
    group.finish();

    // Baselines: the mobile decision, and the codec alone.
    let mut group = c.benchmark_group("baseline");
    group.bench_function("mobile SessionState::track", |b| {
        let mut state = mobile_state();
        b.iter(|| {
            black_box(state.track(
                black_box(now),
                stamp(),
                Payload::ApplicationForeground {
                    foreground_index: 1,
                },
                Uuid::nil,
            ))
        });
    });
    group.bench_function("SpId::decode", |b| {
        b.iter(|| black_box(SpId::decode(black_box(&value))));
    });
    group.bench_function("SpId::encode", |b| {
        b.iter(|| black_box(SpId::encode(black_box(&tracked.write.id))));
    });
    group.finish();
}

/// A mobile tracker whose session is under way (as the core's `state_machine` bench has it).
fn mobile_state() -> SessionState {
    let stored = PersistedSession {
        session: Some(SessionRecord {
            session_id: Uuid::from_u128(1),
            session_index: 3,
            previous_session_id: Some(Uuid::from_u128(2)),
            first_event_id: Uuid::from_u128(3),
            first_event_timestamp_ms: T0,
            event_index: 41,
            last_update_ms: T0,
        }),
        ..PersistedSession::default()
    };
    let config = Config {
        continue_session_on_restart: true,
        ..Config::default()
    };
    SessionState::start(
        config,
        UserId::from_uuid(Uuid::from_u128(4)),
        StorageMechanism::LocalStorage,
        Some(stored),
        PreviousRun::Clean,
    )
}

criterion_group!(benches, web_decision);
criterion_main!(benches);
