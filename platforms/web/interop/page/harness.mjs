// The page side of the interop test: loads either tracker on demand and exposes what the
// test (interop.mjs, through playwright) calls as `window.H`. Every call returns plain data.
//
// "js" is Snowplow's JavaScript tracker (the UMD build, global `snowplowBrowserTracking`), its
// tracker named "js"; "ours" is this project's package (target/web/pkg). Each call that tracks
// returns `{ who, eventId, dtm, session, at }`: `session` is the `client_session` entity the
// tracker attached to that event (the JS tracker's from its session context, read in an
// `afterTrack` plugin; ours from what the call resolved to), `at` the page's `Date.now()` when
// the call returned.

const SESSION_SCHEMA = 'iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2';
const EVENT_SCHEMA = 'iglu:com.example/interop_check/jsonschema/1-0-0';

let sp = null; // the JavaScript tracker's module (window.snowplowBrowserTracking)
let ours = null; // this project's module
const jsPayloads = []; // every payload the JS tracker built, in order (afterTrack)
const oursSessionChanges = []; // what ours's onSessionChange reported

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(script);
  });
}

/** The client_session entity in a tracker protocol `co` (JSON text), or null. */
function sessionIn(co) {
  if (!co) return null;
  const entity = JSON.parse(co).data.find((e) => e.schema === SESSION_SCHEMA);
  return entity ? entity.data : null;
}

/** Waits for a macrotask: lets the promise jobs queued so far (the JS emitter's) run. */
function settle() {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(0);
  });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** The JS tracker's configuration: the options both trackers share, then its own. */
function jsConfig(options) {
  const config = {
    appId: 'interop',
    encodeBase64: false,
    eventMethod: 'post',
    contexts: { session: true },
    plugins: [{ afterTrack: (payload) => jsPayloads.push(payload) }],
  };
  for (const key of ['cookieDomain', 'cookieName', 'sessionCookieTimeout', 'anonymousTracking']) {
    if (options[key] !== undefined) config[key] = options[key];
  }
  if (options.synchronousCookieWrite) config.synchronousCookieWrite = true;
  if (options.buffered) {
    // The emitter keeps everything (nothing is sent) in memory: the JS tracker's cheapest setup.
    config.bufferSize = 1e9;
    config.useLocalStorage = false;
  }
  return config;
}

function jsTrackNow(kind, namespace) {
  const trackers = [namespace];
  switch (kind) {
    case 'page':
      sp.trackPageView({ title: 'interop' }, trackers);
      break;
    case 'struct':
      sp.trackStructEvent({ category: 'interop', action: 'check', value: 1 }, trackers);
      break;
    case 'sd':
      sp.trackSelfDescribingEvent({ event: { schema: EVENT_SCHEMA, data: { n: 1 } } }, trackers);
      break;
    default:
      throw new Error(`unknown event kind ${kind}`);
  }
}

function oursTrackNow(kind) {
  switch (kind) {
    case 'page':
      return ours.trackPageView({ title: 'interop' });
    case 'struct':
      return ours.trackStructEvent({ category: 'interop', action: 'check', value: 1 });
    case 'sd':
      return ours.trackSelfDescribingEvent({ event: { schema: EVENT_SCHEMA, data: { n: 1 } } });
    default:
      throw new Error(`unknown event kind ${kind}`);
  }
}

const H = {
  /** Loads the JS tracker's UMD build (`debug`: the unminified one). */
  async loadJs(debug = false) {
    if (!sp) {
      await loadScript(debug ? '/vendor/sp.debug.js' : '/vendor/sp.js');
      sp = window.snowplowBrowserTracking;
    }
    return sp.version;
  },

  /** Loads this project's package and instantiates its wasm. */
  async loadOurs() {
    if (!ours) {
      const module = await import('/pkg/client_session_web.js');
      await module.default();
      ours = module;
    }
  },

  /** The JS tracker's page load: `newTracker` named `namespace`, sending to this origin. */
  jsStart(options, namespace = 'js') {
    sp.newTracker(namespace, location.origin, jsConfig(options));
  },

  /** Ours's page load: `newTracker` with the shared options; resolves to what it resolved to. */
  async oursStart(options) {
    const info = await ours.newTracker({
      namespace: 'ours',
      cookieDomain: options.cookieDomain,
      cookieName: options.cookieName,
      sessionCookieTimeout: options.sessionCookieTimeout,
      anonymousTracking: options.anonymousTracking,
    });
    await ours.onSessionChange((session) => oursSessionChanges.push(session));
    return info;
  },

  /** Tracks one event of `kind` (`page`, `struct`, `sd`) on `who` (`js` or `ours`). */
  async track(who, kind = 'page', namespace = 'js') {
    if (who === 'js') {
      const before = jsPayloads.length;
      jsTrackNow(kind, namespace);
      const at = Date.now();
      if (jsPayloads.length !== before + 1) {
        throw new Error(`the JS tracker built ${jsPayloads.length - before} payloads, not 1`);
      }
      const payload = jsPayloads[jsPayloads.length - 1];
      return {
        who,
        eventId: payload.eid,
        dtm: Number(payload.dtm),
        session: sessionIn(payload.co),
        at,
      };
    }
    if (who === 'ours') {
      const result = await oursTrackNow(kind);
      const at = Date.now();
      return {
        who,
        eventId: result.eventId,
        dtm: result.dtm,
        session: result.clientSession,
        // What ours puts in `co`, to check it says the same as clientSession.
        contextsSession: sessionIn(result.contexts),
        at,
      };
    }
    throw new Error(`unknown tracker ${who}`);
  },

  /** Waits until `Date.now()` reaches `atMs`, then tracks as `track` does. */
  async trackAt(atMs, who, kind = 'page') {
    while (Date.now() < atMs) await sleep(atMs - Date.now());
    return H.track(who, kind);
  },

  /**
   * A screen call on ours: `view` (`trackScreenView`), `item` (`trackListItemView`) or `scroll`
   * (`trackScrollChanged`) with `argument`; resolves to what the call resolved to.
   */
  oursScreen(kind, argument) {
    switch (kind) {
      case 'view':
        return ours.trackScreenView(argument);
      case 'item':
        return ours.trackListItemView(argument);
      case 'scroll':
        return ours.trackScrollChanged(argument);
      default:
        throw new Error(`unknown screen call ${kind}`);
    }
  },

  /** `newSession()` on `who`. */
  async newSession(who) {
    if (who === 'js') sp.newSession(['js']);
    else await ours.newSession();
  },

  /** What ours's `getSession()` resolves to. */
  oursGetSession() {
    return ours.getSession();
  },

  /** The sessions ours's `onSessionChange` reported so far. */
  oursSessionChanges() {
    return oursSessionChanges.slice();
  },

  /** The value of cookie `name` exactly as `document.cookie` shows it, or null. */
  cookie(name) {
    for (const pair of document.cookie.split('; ')) {
      const eq = pair.indexOf('=');
      if (pair.slice(0, eq) === name) return pair.slice(eq + 1);
    }
    return null;
  },

  /** Sets a cookie through `document.cookie` (a line with attributes). */
  setCookie(line) {
    document.cookie = line;
  },

  now() {
    return Date.now();
  },

  /** Times loading and starting the JS tracker (fresh page): script, then `newTracker`. */
  async timeJsReady(options, namespace) {
    const t0 = performance.now();
    await H.loadJs();
    const t1 = performance.now();
    H.jsStart(options, namespace);
    const t2 = performance.now();
    return { load: t1 - t0, newTracker: t2 - t1, total: t2 - t0 };
  },

  /** Times loading and starting ours (fresh page): module import, wasm init, `newTracker`. */
  async timeOursReady(options) {
    const t0 = performance.now();
    const module = await import('/pkg/client_session_web.js');
    const t1 = performance.now();
    await module.default();
    const t2 = performance.now();
    ours = module;
    await ours.newTracker({ namespace: 'ours', ...options });
    const t3 = performance.now();
    return { load: t1 - t0, init: t2 - t1, newTracker: t3 - t2, total: t3 - t0 };
  },

  /**
   * Per-event cost: `n` page views on `who`, one after the other, in milliseconds for all.
   * Ours awaits each call (each resolves once its cookies are written). The JS tracker's calls
   * are synchronous; its emitter's promise jobs are let run once at the end (`settle`), inside
   * the time. `namespace` picks the JS tracker (several run with different settings).
   */
  async timeTrack(who, n, namespace) {
    const t0 = performance.now();
    if (who === 'js') {
      for (let i = 0; i < n; i += 1) sp.trackPageView({ title: 'bench' }, [namespace]);
      await settle();
    } else if (who === 'ours') {
      for (let i = 0; i < n; i += 1) await ours.trackPageView({ title: 'bench' });
    } else if (who === 'ours-batch') {
      // All calls made before any is awaited: the actor takes them in one batch.
      const calls = [];
      for (let i = 0; i < n; i += 1) calls.push(ours.trackPageView({ title: 'bench' }));
      await Promise.all(calls);
    } else {
      throw new Error(`unknown tracker ${who}`);
    }
    return performance.now() - t0;
  },

  /**
   * The browser's share of a cookie-backed event: `n` rounds of `pattern`, each letter one
   * `document.cookie` access: `r` a read, `w` a write of the next of `_sp_id` and `_sp_ses` with
   * the attributes the trackers use (their current values). In Chromium a write returns at once
   * and the next read waits for the browser to apply it.
   */
  timeCookies(n, pattern) {
    const values = Object.fromEntries(
      document.cookie.split('; ').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
    );
    const id = Object.keys(values).find((k) => k.startsWith('_sp_id.'));
    const ses = Object.keys(values).find((k) => k.startsWith('_sp_ses.'));
    if (!id || !ses) throw new Error('timeCookies: no tracker cookies to rewrite');
    const domain = location.hostname.split('.').slice(1).join('.');
    const line = (name, secs) =>
      `${name}=${values[name]}; Expires=${new Date(Date.now() + secs * 1000).toUTCString()}; ` +
      `Path=/; Domain=${domain}; SameSite=Lax; Secure`;
    let seen = 0;
    const t0 = performance.now();
    for (let i = 0; i < n; i += 1) {
      let writes = 0;
      for (const access of pattern) {
        if (access === 'r') seen += document.cookie.length;
        else document.cookie = writes++ % 2 === 0 ? line(id, 63072000) : line(ses, 1800);
      }
    }
    const ms = performance.now() - t0;
    if (seen === 0 && pattern.includes('r')) throw new Error('timeCookies: read nothing');
    return ms;
  },

  sleep,
};

window.H = H;
window.harnessReady = true;
