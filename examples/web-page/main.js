// The example page: the package built by `cargo xtask web` (served under /pkg/ by
// `cargo xtask web --serve`), one tracker with the JavaScript tracker's defaults, and the
// session shown after the page load and after every click of "track".
import init, { newTracker, getSession, trackPageView, trackStructEvent } from './pkg/client_session_web.js';

const button = document.getElementById('track');
const status = document.getElementById('status');

function show(clientSession) {
  const field = (id, value) => { document.getElementById(id).textContent = value ?? '–'; };
  field('user-id', clientSession?.userId);
  field('session-id', clientSession?.sessionId);
  field('session-index', clientSession?.sessionIndex);
  field('event-index', clientSession?.eventIndex);
}

function fail(error) {
  status.textContent = String(error?.message ?? error);
  status.className = 'error';
}

try {
  await init();
  // cookieDomain defaults to this page's host name; sessionCookieTimeout to 1800 s.
  await newTracker({ namespace: 'example' });
  show((await getSession()).clientSession);
  await trackPageView({ title: document.title });
  show((await getSession()).clientSession);
  button.disabled = false;
  status.textContent = 'ready';
} catch (error) {
  fail(error);
}

let clicks = 0;
button.addEventListener('click', async () => {
  clicks += 1;
  try {
    const event = await trackStructEvent({ category: 'example', action: 'track', value: clicks });
    show(event.clientSession);
    status.textContent = `tracked event ${event.eventId}`;
  } catch (error) {
    fail(error);
  }
});
