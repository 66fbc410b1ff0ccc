// Interop of client-session's web package with Snowplow's JavaScript tracker (issue 8), in
// headless Chromium driven by playwright-core. `cargo xtask interop` runs it; on its own:
//
//   cd platforms/web/interop && npm ci && node interop.mjs [--only s1,s2] [--rounds N] [--events N]
//
// Sections: sequence, sync-writes, tabs, expiry, bytes, screens, example, measure (all by
// default).
// It needs the package in target/web/pkg (`cargo xtask web`; CLIENT_SESSION_WEB_PKG overrides the
// folder), examples/web-page (CLIENT_SESSION_WEB_EXAMPLE overrides) and Chromium at
// /usr/bin/chromium (CHROMIUM overrides). Exit status: 0 when every check passed, 1 when one
// failed, 2 when something it needs is missing.
//
// The page is served on 127.0.0.1 under the name www.example.test (Chromium's
// --host-resolver-rules), and that http origin is treated as secure
// (--unsafely-treat-insecure-origin-as-secure), so both trackers write their `Secure` cookies
// with `Domain=example.test` as on a real site. Both are configured with cookieDomain
// example.test. The JavaScript tracker sends its events to a fake collector on the same server
// (POST /com.snowplowanalytics.snowplow/tp2, answered 200), except in `measure`, where its
// emitter buffers everything in memory and sends nothing.
//
// The JavaScript tracker writes its cookies 10 ms after an event and reads its own last value
// for 50 ms after (spec A3.11), so every section leaves GAP_MS between events on different
// trackers, except `sync-writes`, which configures it with `synchronousCookieWrite: true` and
// alternates without a gap.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { startServer } from './server.mjs';

const HERE = path.dirname(new URL(import.meta.url).pathname);
const ROOT = path.resolve(HERE, '..', '..', '..');
const PKG_DIR = process.env.CLIENT_SESSION_WEB_PKG ?? path.join(ROOT, 'target', 'web', 'pkg');
const EXAMPLE_DIR = process.env.CLIENT_SESSION_WEB_EXAMPLE ?? path.join(ROOT, 'examples', 'web-page');
const OUT_DIR = path.join(ROOT, 'target', 'interop');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

const HOST = 'www.example.test';
const COOKIE_DOMAIN = 'example.test';
/** Between events on different trackers: more than the JS tracker's 50 ms read-own-value window. */
const GAP_MS = Number(process.env.INTEROP_GAP_MS ?? 100);
/** How far before and after `_sp_ses`'s expiry the expiry section tracks. */
const EXPIRY_MARGIN_MS = 250;
const SECTIONS = ['sequence', 'sync-writes', 'tabs', 'expiry', 'bytes', 'screens', 'example', 'measure'];

// ---------------------------------------------------------------------------------------------
// Arguments

function parseArgs(argv) {
  const args = { only: SECTIONS, rounds: 5, events: 200 };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i];
    if (flag === '--only') args.only = value().split(',');
    else if (flag === '--rounds') args.rounds = Number(value());
    else if (flag === '--events') args.events = Number(value());
    else if (flag === '--help' || flag === '-h') {
      console.log(`usage: node interop.mjs [--only ${SECTIONS.join(',')}] [--rounds N] [--events N]`);
      process.exit(0);
    } else {
      console.error(`interop: unknown argument ${argv[i]}`);
      process.exit(2);
    }
  }
  const unknown = args.only.filter((s) => !SECTIONS.includes(s));
  if (unknown.length > 0 || !(args.rounds >= 1) || !(args.events >= 1)) {
    console.error(`interop: bad arguments (sections are ${SECTIONS.join(', ')})`);
    process.exit(2);
  }
  return args;
}

// ---------------------------------------------------------------------------------------------
// Checks

const results = [];
let currentSection = '(none)';

/** Records one check; `detail` (any JSON) is printed when it fails. */
function check(ok, what, detail) {
  results.push({ section: currentSection, ok: !!ok, what });
  if (ok) {
    console.log(`  ok    ${what}`);
  } else {
    console.log(`  FAIL  ${what}`);
    if (detail !== undefined) {
      const text = typeof detail === 'string' ? detail : JSON.stringify(detail, null, 2);
      console.log(text.replace(/^/gm, '        '));
    }
  }
  return !!ok;
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

async function section(name, body) {
  currentSection = name;
  console.log(`\n== ${name}`);
  const started = Date.now();
  try {
    await body();
  } catch (error) {
    check(false, `${name} ran to its end`, String(error?.stack ?? error));
  }
  console.log(`   (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

// ---------------------------------------------------------------------------------------------
// Cookies

/** The cookie names of A3.1 for `domain` and path `/`: `_sp_id.xxxx`, `_sp_ses.xxxx`. */
function cookieNames(domain, prefix = '_sp_') {
  const hash = createHash('sha1').update(`${domain}/`).digest('hex').slice(0, 4);
  return { id: `${prefix}id.${hash}`, ses: `${prefix}ses.${hash}` };
}

const NAMES = cookieNames(COOKIE_DOMAIN);

/** The entity `_sp_id`'s ten fields say (A3.7), to compare with a tracker's own entity. */
function entityOfSpId(value) {
  const f = value.split('.');
  return {
    userId: f[0],
    sessionId: f[5],
    sessionIndex: Number(f[2]),
    previousSessionId: f[6] || null,
    firstEventId: f[7] || null,
    firstEventTimestamp: f[8] ? new Date(Number(f[8])).toISOString() : null,
    eventIndex: Number(f[9]),
  };
}

/** The session-wide fields of an entity: equal for every event of one session. */
function sessionKey(entity) {
  if (!entity) return null;
  const { userId, sessionId, sessionIndex, previousSessionId, firstEventId, firstEventTimestamp } =
    entity;
  return { userId, sessionId, sessionIndex, previousSessionId, firstEventId, firstEventTimestamp };
}

function describe(event) {
  const s = event.session;
  return `${event.who}: session ${s?.sessionIndex} ${s?.sessionId?.slice(0, 8)}… eventIndex ${s?.eventIndex}`;
}

/**
 * Checks that `events` (as H.track returns them, in tracking order) are consecutive events of
 * one session: the same user, session id, index, previous session and first event, `eventIndex`
 * going up by one, each entity COOKIE_1, and ours's `contexts` saying what its clientSession says.
 */
function checkOneSession(events, label) {
  const first = events[0];
  check(
    first.session && first.session.storageMechanism === 'COOKIE_1',
    `${label}: the first event (${first.who}) carries a client_session entity (COOKIE_1)`,
    first,
  );
  for (let i = 1; i < events.length; i += 1) {
    const e = events[i];
    const prev = events[i - 1];
    const expectedIndex = first.session.eventIndex + i;
    const handOver = prev.who !== e.who ? ` (continuing ${prev.who}'s ${prev.session?.eventIndex})` : '';
    check(
      same(sessionKey(e.session), sessionKey(first.session)) &&
        e.session.eventIndex === expectedIndex &&
        e.session.storageMechanism === 'COOKIE_1',
      `${label}: event ${i + 1} (${e.who}) is eventIndex ${expectedIndex} of the same session${handOver}`,
      { expected: { ...sessionKey(first.session), eventIndex: expectedIndex }, got: e.session, events: events.map(describe) },
    );
  }
  const ours = events.filter((x) => x.who === 'ours');
  if (ours.length > 0) {
    const differing = ours.filter((e) => !same(e.contextsSession, e.session));
    check(
      differing.length === 0,
      `${label}: ours's contexts (co) carry the clientSession each call resolved to (${ours.length} events)`,
      differing,
    );
  }
  if (first.session?.eventIndex === 1) {
    check(
      first.session.firstEventId === first.eventId &&
        first.session.firstEventTimestamp === new Date(first.dtm).toISOString(),
      `${label}: the session's first event is ${first.who}'s first event (id and dtm)`,
      first,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Browser

async function launch(origin) {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      `--host-resolver-rules=MAP ${HOST} 127.0.0.1`,
      `--unsafely-treat-insecure-origin-as-secure=${origin}`,
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A page of `context` at `url`, whose console errors and uncaught errors are reported. */
async function openPage(context, url, label) {
  const page = await context.newPage();
  page.on('pageerror', (error) => check(false, `${label}: no uncaught error in the page`, String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      console.log(`        [${label} console.${message.type()}] ${message.text()}`);
    }
  });
  await page.goto(url);
  return page;
}

/** A harness page (page/harness.html), with the trackers named in `load` loaded. */
async function harness(context, origin, label, load = ['js', 'ours']) {
  const page = await openPage(context, `${origin}/harness.html`, label);
  await page.waitForFunction(() => window.harnessReady === true);
  if (load.includes('js')) await page.evaluate(() => H.loadJs());
  if (load.includes('ours')) await page.evaluate(() => H.loadOurs());
  return page;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The tracker's page load on `page`: `newTracker` with `options`. */
async function start(page, who, options) {
  if (who === 'js') await page.evaluate((o) => H.jsStart(o), options);
  else await page.evaluate((o) => H.oursStart(o), options);
}

/**
 * Tracks `kinds` on `who` one after the other (no gap: one tracker) and returns the events. After
 * the JS tracker's last event it waits until `_sp_id` shows it: the JS tracker writes its cookies
 * 10 ms after an event (A3.11), later on a busy machine.
 */
async function trackAll(page, who, kinds) {
  const events = [];
  for (const kind of kinds) events.push(await page.evaluate(([w, k]) => H.track(w, k), [who, kind]));
  const last = events[events.length - 1];
  if (who === 'js' && last.session) {
    await page.waitForFunction(
      ([name, sessionId, eventIndex]) => {
        const f = (H.cookie(name) ?? '').split('.');
        return f[5] === sessionId && Number(f[9]) === eventIndex;
      },
      [NAMES.id, last.session.sessionId, last.session.eventIndex],
      { timeout: 5000, polling: 5 },
    );
  }
  return events;
}

async function cookieValue(page, name) {
  return page.evaluate((n) => H.cookie(n), name);
}

// ---------------------------------------------------------------------------------------------
// Sections

const SHARED = { cookieDomain: COOKIE_DOMAIN, sessionCookieTimeout: 1800 };

/** JS tracker then ours, then ours then the JS tracker, on one page. */
async function sequence(browser, origin) {
  for (const [firstWho, secondWho] of [['js', 'ours'], ['ours', 'js']]) {
    const label = `${firstWho} then ${secondWho}`;
    const context = await browser.newContext();
    const page = await harness(context, origin, label);
    await start(page, firstWho, SHARED);
    await sleep(GAP_MS);
    await start(page, secondWho, SHARED);
    await sleep(GAP_MS);
    const info = await page.evaluate(() => H.oursGetSession());
    const events = [];
    const runs = [
      [firstWho, ['page', 'struct', 'sd']],
      [secondWho, ['page', 'struct', 'sd']],
      [firstWho, ['page', 'struct']],
      [secondWho, ['page']],
    ];
    for (const [who, kinds] of runs) {
      events.push(...(await trackAll(page, who, kinds)));
      await sleep(GAP_MS);
      // The tracker's own view after its run, in its `_sp_id`.
      const spId = await cookieValue(page, NAMES.id);
      const last = events[events.length - 1];
      check(
        spId !== null && same(entityOfSpId(spId), { ...sessionKey(last.session), eventIndex: last.session.eventIndex }),
        `${label}: after ${who}'s ${kinds.length} events, _sp_id holds what its last entity says`,
        { spId: spId && entityOfSpId(spId), entity: last.session },
      );
    }
    checkOneSession(events, label);
    check(
      info.clientSession !== null && info.newSessionPending === false &&
        same(sessionKey(info.clientSession), sessionKey({ ...events[0].session, firstEventId: null, firstEventTimestamp: null })),
      `${label}: ours's getSession after both page loads is the session the first event continued`,
      { getSession: info, firstEvent: events[0].session },
    );
    await context.close();
  }
}

/** Alternating trackers with no gap, the JS tracker writing its cookies synchronously. */
async function syncWrites(browser, origin) {
  const context = await browser.newContext();
  const page = await harness(context, origin, 'sync-writes');
  const options = { ...SHARED, synchronousCookieWrite: true };
  await start(page, 'js', options);
  await start(page, 'ours', options);
  const events = await page.evaluate(async () => {
    const out = [];
    for (let i = 0; i < 5; i += 1) {
      out.push(await H.track('js', 'page'));
      out.push(await H.track('ours', 'page'));
    }
    return out;
  });
  checkOneSession(events, 'alternating with no gap, synchronousCookieWrite: true');
  await context.close();

  // The same with the JS tracker's default (throttled) writes: what A3.11 predicts is shown,
  // not checked, since it is the JS tracker's behaviour, not ours.
  const asyncContext = await browser.newContext();
  const asyncPage = await harness(asyncContext, origin, 'async writes, no gap');
  await start(asyncPage, 'js', SHARED);
  await start(asyncPage, 'ours', SHARED);
  const asyncEvents = await asyncPage.evaluate(async () => {
    const out = [];
    for (let i = 0; i < 5; i += 1) {
      out.push(await H.track('js', 'page'));
      out.push(await H.track('ours', 'page'));
    }
    return out;
  });
  await asyncContext.close();
  console.log('  observed (not a check), default cookie writes and no gap: ' +
    asyncEvents.map((e) => `${e.who} ${e.session.sessionIndex}/${e.session.eventIndex}`).join(', '));
}

/** Two tabs of one browser context, one per tracker, alternating. */
async function tabs(browser, origin) {
  const context = await browser.newContext();
  const jsTab = await harness(context, origin, 'tab js', ['js']);
  await start(jsTab, 'js', SHARED);
  await sleep(GAP_MS);
  const oursTab = await harness(context, origin, 'tab ours', ['ours']);
  await start(oursTab, 'ours', SHARED);
  await sleep(GAP_MS);
  const events = [];
  for (let i = 0; i < 4; i += 1) {
    events.push(...(await trackAll(jsTab, 'js', ['page'])));
    await sleep(GAP_MS);
    events.push(...(await trackAll(oursTab, 'ours', ['struct'])));
    await sleep(GAP_MS);
  }
  checkOneSession(events, 'two tabs alternating');
  await context.close();
}

/**
 * One expiry case in a fresh context: `starter`'s page load, then the other tracker's, then one
 * event of `starter`; `prober` tracks `side` (before/after) `_sp_ses`'s expiry.
 */
async function expiryCase(browser, origin, starter, prober, side) {
  const label = `started by ${starter}, ${prober} ${side} the expiry`;
  const options = { cookieDomain: COOKIE_DOMAIN, sessionCookieTimeout: 2 };
  const context = await browser.newContext();
  const page = await harness(context, origin, label);
  const other = starter === 'js' ? 'ours' : 'js';
  await start(page, starter, options);
  await sleep(GAP_MS);
  await start(page, other, options);
  await sleep(GAP_MS);
  const [started] = await trackAll(page, starter, ['page']);
  await sleep(GAP_MS);
  const ses = (await context.cookies()).find((c) => c.name === NAMES.ses);
  const expiryMs = ses ? ses.expires * 1000 : NaN;
  const probeAt = side === 'before' ? expiryMs - EXPIRY_MARGIN_MS : expiryMs + EXPIRY_MARGIN_MS;
  const probe = await page.evaluate(([at, who]) => H.trackAt(at, who, 'page'), [probeAt, prober]);
  const s = started.session;
  const expected =
    side === 'before'
      ? { ...sessionKey(s), eventIndex: s.eventIndex + 1 }
      : {
          userId: s.userId,
          sessionId: probe.session?.sessionId,
          sessionIndex: s.sessionIndex + 1,
          previousSessionId: s.sessionId,
          firstEventId: probe.eventId,
          firstEventTimestamp: new Date(probe.dtm).toISOString(),
          eventIndex: 1,
        };
  const got = probe.session && { ...sessionKey(probe.session), eventIndex: probe.session.eventIndex };
  await context.close();
  return {
    label,
    ses,
    writtenAt: started.dtm,
    expiryMs,
    probeAt,
    trackedAt: probe.dtm,
    // The probe decided on the intended side of the expiry: it returned before it, or was
    // stamped after it (a busy machine can delay a probe past its margin).
    inWindow: side === 'before' ? probe.at < expiryMs : probe.dtm >= expiryMs,
    ok: ses !== undefined && same(got, expected),
    expected,
    got,
  };
}

/** A session started by one tracker ends for the other at the same moment (2 s timeout). */
async function expiry(browser, origin) {
  const cases = [];
  for (const starter of ['ours', 'js']) {
    for (const prober of ['js', 'ours']) {
      for (const side of ['before', 'after']) cases.push([starter, prober, side]);
    }
  }
  // Two waves of four contexts at once: each case waits about 2.5 s for the expiry.
  for (let i = 0; i < cases.length; i += 4) {
    const wave = await Promise.all(
      cases.slice(i, i + 4).map(async ([a, b, c]) => {
        const first = await expiryCase(browser, origin, a, b, c);
        if (first.inWindow) return first;
        console.log(`  (${first.label}: the probe missed its window by being late; once more)`);
        return expiryCase(browser, origin, a, b, c);
      }),
    );
    for (const r of wave) {
      check(r.inWindow, `${r.label}: the probe ran on its side of the expiry`, r);
      const offset = r.trackedAt - r.expiryMs;
      const what = r.label.endsWith('before the expiry')
        ? 'continues the session'
        : 'starts the next session (index + 1, previous = the expired one, eventIndex 1)';
      check(
        r.ok,
        `${r.label} (${offset >= 0 ? '+' : ''}${offset} ms): ${what}`,
        { sesExpires: r.ses?.expires, writtenAt: r.writtenAt, trackedAt: r.trackedAt, expected: r.expected, got: r.got },
      );
      check(
        r.ses !== undefined && r.expiryMs > r.writtenAt + 1000 && r.expiryMs <= r.writtenAt + 2000 + 50,
        `${r.label}: _sp_ses expires at the whole second after write + 2 s`,
        { sesExpires: r.ses?.expires, writtenAt: r.writtenAt },
      );
    }
  }
}

/** Fields 0..9 of `_sp_id` with `replace` applied ({ index: value }), joined again. */
function withFields(spId, replace) {
  const f = spId.split('.');
  for (const [i, v] of Object.entries(replace)) f[Number(i)] = String(v);
  return f.join('.');
}

/** The attributes of cookie `name` in `cookies` (context.cookies()) that both trackers set. */
function attributes(cookies, name) {
  const c = cookies.find((x) => x.name === name);
  return c && { domain: c.domain, path: c.path, secure: c.secure, httpOnly: c.httpOnly, sameSite: c.sameSite };
}

/** The JS tracker's `_sp_id` survives ours byte for byte where the rules leave it unchanged. */
async function bytes(browser, origin) {
  for (const legacy of [false, true]) {
    const label = legacy ? 'a 16-hex user id (older JS trackers)' : 'a fresh JS identity';
    const context = await browser.newContext();
    const jsTab = await harness(context, origin, `bytes js (${label})`, ['js']);
    if (legacy) {
      // An identity as an older JavaScript tracker left it, with a live session; the JS tracker
      // takes it over at its page load and writes it back in its own format.
      const expires = new Date(Date.now() + 3600e3).toUTCString();
      const attrs = `; Expires=${expires}; Path=/; Domain=${COOKIE_DOMAIN}; SameSite=Lax; Secure`;
      const old = '0123456789abcdef.1600000000.7.1600000500.1599990000.' +
        '8a7b6c5d-1e2f-4a3b-9c4d-5e6f7a8b9c0d.0f1e2d3c-4b5a-4697-8a9b-0c1d2e3f4a5b.' +
        '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d.1600000400123.12';
      await jsTab.evaluate((line) => H.setCookie(line), `${NAMES.id}=${old}${attrs}`);
      await jsTab.evaluate((line) => H.setCookie(line), `${NAMES.ses}=*${attrs}`);
    }
    await start(jsTab, 'js', SHARED);
    const jsEvents = await trackAll(jsTab, 'js', ['page', 'struct']);
    await sleep(GAP_MS);
    const s1 = await cookieValue(jsTab, NAMES.id);
    const jsAttrs = { id: attributes(await context.cookies(), NAMES.id), ses: attributes(await context.cookies(), NAMES.ses) };
    if (legacy) {
      check(s1 !== null && s1.startsWith('0123456789abcdef.1600000000.7.'),
        `${label}: the JS tracker keeps the older identity`, s1);
    }

    // Ours's page load continues the session: only nowTs may change.
    const oursTab = await harness(context, origin, `bytes ours (${label})`, ['ours']);
    const before = Date.now();
    await start(oursTab, 'ours', SHARED);
    const after = Date.now();
    const s2 = await cookieValue(oursTab, NAMES.id);
    const nowTs2 = s2 && Number(s2.split('.')[3]);
    check(
      s2 !== null && nowTs2 >= Math.round(before / 1000) && nowTs2 <= Math.round(after / 1000) &&
        s2 === withFields(s1, { 3: nowTs2 }),
      `${label}: ours's page load rewrites _sp_id byte for byte but nowTs`,
      { js: s1, ours: s2 },
    );

    // getSession writes nothing.
    const info = await oursTab.evaluate(() => H.oursGetSession());
    const s3 = await cookieValue(oursTab, NAMES.id);
    check(s3 === s2, `${label}: ours's getSession leaves _sp_id as it is`, { before: s2, after: s3 });
    check(
      info.clientSession && same(sessionKey(info.clientSession), sessionKey(entityOfSpId(s1))) &&
        info.clientSession.eventIndex === Number(s1.split('.')[9]),
      `${label}: ours's getSession reads the JS tracker's session`,
      { getSession: info.clientSession, spId: entityOfSpId(s1) },
    );

    // One event of ours: nowTs and eventIndex change, every other field is kept byte for byte.
    const [ev] = await trackAll(oursTab, 'ours', ['page']);
    const s4 = await cookieValue(oursTab, NAMES.id);
    const nowTs4 = s4 && Number(s4.split('.')[3]);
    const expected4 = withFields(s1, { 3: nowTs4, 9: Number(s1.split('.')[9]) + 1 });
    check(
      s4 === expected4 && Math.abs(nowTs4 * 1000 - ev.dtm) <= 1000,
      `${label}: ours's event keeps every _sp_id field but nowTs and eventIndex byte for byte`,
      { js: s1, ours: s4, expected: expected4 },
    );
    check(
      same(ev.session.userId, jsEvents[0].session.userId),
      `${label}: ours's entity has the JS tracker's user id as written (${ev.session.userId.length} characters)`,
      { ours: ev.session.userId, js: jsEvents[0].session.userId },
    );
    const cookies = await context.cookies();
    const oursAttrs = { id: attributes(cookies, NAMES.id), ses: attributes(cookies, NAMES.ses) };
    check(
      same(oursAttrs, jsAttrs) && jsAttrs.id?.domain === `.${COOKIE_DOMAIN}` && jsAttrs.id?.secure === true,
      `${label}: ours writes both cookies with the JS tracker's attributes (Domain=.${COOKIE_DOMAIN}, Path=/, Secure, SameSite=Lax)`,
      { js: jsAttrs, ours: oursAttrs },
    );

    // And the JS tracker goes on from ours's event.
    await sleep(GAP_MS);
    const [back] = await trackAll(jsTab, 'js', ['page']);
    checkOneSession([...jsEvents, ev, back], `${label}: js, ours, js`);
    await context.close();
  }
}

/** The example page: "track" twice, the shown event index, a screenshot. */
/** The data of the entity named `name` (`screen`, `screen_summary`…) in ours's `contexts`. */
function entityIn(contexts, name) {
  const entity = JSON.parse(contexts).data.find((e) => e.schema.split('/')[1] === name);
  return entity ? entity.data : null;
}

/**
 * Ours's screens across a real page reload: the screen lives in the page's memory only, as in
 * the JavaScript tracker's screen tracking plugin, so after the reload the first screen view has
 * no previous fields and ends nothing, while the session goes on in the cookies.
 */
async function screens(browser, origin) {
  const context = await browser.newContext();
  const page = await harness(context, origin, 'screens', ['ours']);
  const screen = (kind, argument) => page.evaluate(([k, a]) => H.oursScreen(k, a), [kind, argument]);
  await start(page, 'ours', SHARED);
  const home = await screen('view', { name: 'home', type: 'feed' });
  const homeId = home.selfDescribingEvent.data.id;
  check(home.screenEnd === null && same(entityIn(home.contexts, 'screen'), { name: 'home', id: homeId, type: 'feed' }),
    'the first screen view ends nothing and carries its own screen', home);
  const folded = [await screen('item', { index: 4, itemsCount: 9 }), await screen('scroll', { yOffset: 10, viewHeight: 90 })];
  check(same(folded, [null, null]), 'a list item and a scroll are folded into the summary (resolve to null)', folded);
  const cart = await screen('view', { name: 'cart' });
  const end = cart.screenEnd;
  const summary = end && entityIn(end.contexts, 'screen_summary');
  check(
    end !== null && end.event === 'screen_end' && end.dtm === cart.dtm &&
      end.clientSession.eventIndex + 1 === cart.clientSession.eventIndex &&
      entityIn(end.contexts, 'screen')?.id === homeId &&
      summary?.last_item_index === 4 && summary?.items_count === 9 && summary?.max_y_offset === 100,
    'the second screen view resolves with the screen_end of home first, its summary holding the list and scroll',
    cart,
  );
  check(cart.selfDescribingEvent.data.previousId === homeId && cart.selfDescribingEvent.data.previousName === 'home',
    'the second screen view names home as its previous screen', cart.selfDescribingEvent);

  await page.reload();
  await page.waitForFunction(() => window.harnessReady === true);
  await page.evaluate(() => H.loadOurs());
  await start(page, 'ours', SHARED);
  const after = await screen('view', { name: 'cart' });
  const data = after.selfDescribingEvent.data;
  check(after.screenEnd === null && same(Object.keys(data), ['name', 'id']),
    'after a reload the first screen view ends nothing and has no previous fields', after);
  check(after.clientSession.sessionId === cart.clientSession.sessionId &&
      after.clientSession.eventIndex === cart.clientSession.eventIndex + 1,
    'after a reload the session goes on (same session, the next eventIndex)',
    { before: cart.clientSession, after: after.clientSession });
  await context.close();
}

async function example(browser, origin) {
  check(fs.existsSync(path.join(EXAMPLE_DIR, 'index.html')), `${EXAMPLE_DIR}/index.html exists`);
  const context = await browser.newContext({ viewport: { width: 900, height: 600 } });
  const page = await openPage(context, `${origin}/example/`, 'example');
  const text = (id) => page.locator(`#${id}`).innerText();
  await page.locator('#status', { hasText: 'ready' }).waitFor({ timeout: 15000 });
  const shown = [await text('event-index')];
  for (let click = 1; click <= 2; click += 1) {
    const previous = shown[shown.length - 1];
    await page.locator('#track').click();
    await page.waitForFunction(
      (p) => document.getElementById('event-index').textContent !== p,
      previous,
      { timeout: 5000 },
    );
    shown.push(await text('event-index'));
  }
  check(same(shown, ['1', '2', '3']), 'the page shows event index 1 after loading, then 2 and 3 after two clicks', shown);

  // What the page shows is what its cookie holds (its cookieDomain is the page's host name).
  const spId = (await context.cookies()).find((c) => c.name === cookieNames(HOST).id)?.value;
  const entity = spId && entityOfSpId(spId);
  const showing = {
    userId: await text('user-id'),
    sessionId: await text('session-id'),
    sessionIndex: Number(await text('session-index')),
    eventIndex: Number(await text('event-index')),
  };
  check(
    entity && same(showing, { userId: entity.userId, sessionId: entity.sessionId, sessionIndex: entity.sessionIndex, eventIndex: entity.eventIndex }),
    'the page shows the user, session id and index its _sp_id holds',
    { showing, cookie: entity },
  );
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const shot = path.join(OUT_DIR, 'example-page.png');
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`  screenshot: ${path.relative(ROOT, shot)}`);
  await context.close();
}

/** `document.cookie` as ours and the synchronous JS tracker use it per event (read both, then
 * write and read back each); and without the read-backs. */
const COOKIES_EXACT = 'document.cookie r,r,w,r,w,r';
const COOKIES_NO_READBACK = 'document.cookie r,r,w,w';

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Time to ready and per-event cost, both trackers in the same page, alternating order. */
async function measure(browser, origin, { rounds, events }, server) {
  const ready = { js: [], ours: [] };
  const perEvent = {
    'js (async cookie writes)': [],
    'js (synchronousCookieWrite)': [],
    ours: [],
    'ours (batch)': [],
    [COOKIES_EXACT]: [],
    [COOKIES_NO_READBACK]: [],
  };
  let sentWhileBuffered = 0;
  const jsOptions = { cookieDomain: COOKIE_DOMAIN, buffered: true };
  for (let round = 0; round < rounds; round += 1) {
    const context = await browser.newContext();
    const page = await openPage(context, `${origin}/harness.html`, `measure ${round + 1}`);
    await page.waitForFunction(() => window.harnessReady === true);
    const order = round % 2 === 0 ? ['js', 'ours'] : ['ours', 'js'];
    // The JS trackers' names in this round, to find anything they sent.
    const [m, ms] = [`m${round}`, `ms${round}`];
    for (const who of order) {
      if (who === 'js') ready.js.push(await page.evaluate(([o, n]) => H.timeJsReady(o, n), [jsOptions, m]));
      else ready.ours.push(await page.evaluate((o) => H.timeOursReady(o), { cookieDomain: COOKIE_DOMAIN }));
      await sleep(GAP_MS);
    }
    await page.evaluate(([o, n]) => H.jsStart(o, n), [{ ...jsOptions, synchronousCookieWrite: true }, ms]);
    const runs = [
      ['js (async cookie writes)', 'js', m],
      ['js (synchronousCookieWrite)', 'js', ms],
      ['ours', 'ours'],
      ['ours (batch)', 'ours-batch'],
    ];
    // Warm-up: the first calls compile code paths.
    for (const [, who, ns] of runs) {
      await page.evaluate(([w, n]) => H.timeTrack(w, 20, n), [who, ns]);
      await sleep(GAP_MS);
    }
    for (const [name, who, ns] of round % 2 === 0 ? runs : [...runs].reverse()) {
      const took = await page.evaluate(([w, n, count]) => H.timeTrack(w, count, n), [who, ns, events]);
      perEvent[name].push((took * 1000) / events);
      await sleep(GAP_MS);
    }
    for (const [name, pattern] of [[COOKIES_EXACT, 'rrwrwr'], [COOKIES_NO_READBACK, 'rrww']]) {
      const took = await page.evaluate(([n, p]) => H.timeCookies(n, p), [events, pattern]);
      perEvent[name].push((took * 1000) / events);
    }
    // Buffered means nothing sent while measured (the JS tracker flushes its buffer when the page
    // is hidden or unloaded, so not after the context closes).
    sentWhileBuffered += server.collected.filter((p) => p.tna === m || p.tna === ms).length;
    await context.close();
  }
  const fmt = (xs) => `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;
  console.log(`  time to ready, ms, median (min–max) over ${rounds} fresh pages:`);
  for (const who of ['js', 'ours']) {
    const parts = Object.keys(ready[who][0]).map((k) => `${k} ${fmt(ready[who].map((r) => r[k]))}`);
    console.log(`    ${who.padEnd(5)} ${parts.join(', ')}`);
  }
  console.log(`  per-event cost of trackPageView, µs, median (min–max) over ${rounds} rounds of ${events}:`);
  for (const [name, xs] of Object.entries(perEvent)) console.log(`    ${name.padEnd(36)} ${fmt(xs)}`);
  const version = await browser.version();
  const report = { chromium: version, rounds, events, ready, perEventMicros: perEvent };
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.writeFileSync(path.join(OUT_DIR, 'measurements.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`  raw figures: ${path.relative(ROOT, path.join(OUT_DIR, 'measurements.json'))}`);
  check(
    Object.values(perEvent).every((xs) => xs.every((x) => Number.isFinite(x) && x > 0)),
    'every measurement is a positive time',
  );
  check(sentWhileBuffered === 0, 'the buffered JS trackers sent nothing while measured', { sentWhileBuffered });
}

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const missing = [];
  for (const file of ['client_session_web.js', 'client_session_web_bg.wasm']) {
    if (!fs.existsSync(path.join(PKG_DIR, file))) missing.push(path.join(PKG_DIR, file));
  }
  if (missing.length > 0) {
    console.error(`interop: the package is not built (missing ${missing.join(', ')}): run \`cargo xtask web\` first`);
    return 2;
  }
  if (!fs.existsSync(CHROMIUM)) {
    console.error(`interop: no Chromium at ${CHROMIUM} (Debian: apt-get install chromium; or set CHROMIUM)`);
    return 2;
  }

  const server = await startServer({ pkgDir: PKG_DIR, exampleDir: EXAMPLE_DIR });
  const origin = `http://${HOST}:${server.port}`;
  const browser = await launch(origin);
  const jsVersion = JSON.parse(
    fs.readFileSync(path.join(HERE, 'node_modules', '@snowplow', 'browser-tracker', 'package.json'), 'utf8'),
  ).version;
  console.log(`interop: ${origin} (127.0.0.1:${server.port}), Chromium ${browser.version()}, ` +
    `@snowplow/browser-tracker ${jsVersion}, package ${path.relative(ROOT, PKG_DIR) || PKG_DIR}`);
  const started = Date.now();
  try {
    const run = {
      sequence: () => sequence(browser, origin),
      'sync-writes': () => syncWrites(browser, origin),
      tabs: () => tabs(browser, origin),
      expiry: () => expiry(browser, origin),
      bytes: () => bytes(browser, origin),
      screens: () => screens(browser, origin),
      example: () => example(browser, origin),
      measure: () => measure(browser, origin, args, server),
    };
    for (const name of SECTIONS.filter((s) => args.only.includes(s))) await section(name, run[name]);
    await section('collector', async () => {
      await sleep(500);
      if (args.only.some((s) => !['measure', 'example', 'screens'].includes(s))) {
        check(server.collected.length > 0 && server.collected.every((p) => p.co && p.eid),
          `the fake collector received the JS tracker's events (${server.collected.length}), each with its contexts`);
      }
    });
  } finally {
    await browser.close();
    await server.close();
  }
  const failed = results.filter((r) => !r.ok);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (failed.length > 0) {
    console.log(`\ninterop: ${failed.length} of ${results.length} checks FAILED (${secs} s):`);
    for (const r of failed) console.log(`  [${r.section}] ${r.what}`);
    return 1;
  }
  console.log(`\ninterop: all ${results.length} checks passed (${secs} s)`);
  return 0;
}

const watchdog = setTimeout(() => {
  console.error('interop: still running after 10 minutes; giving up');
  process.exit(1);
}, 600e3);
watchdog.unref();

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`interop: ${error?.stack ?? error}`);
    process.exit(1);
  },
);
