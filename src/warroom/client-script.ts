/**
 * The page's only script, inline under the page's nonce: it follows the server-sent events, swaps in the
 * fragments the server rendered, ticks elapsed times and countdowns between updates on the drill's clock
 * (its speed comes with every update), and posts the page's few actions with the token. It builds no
 * markup from data itself: everything it shows was escaped by the server.
 */
export const CLIENT_SCRIPT = String.raw`(() => {
  'use strict';
  const token = new URLSearchParams(location.search).get('token') || '';
  let clock = { at: 0, recv: performance.now(), speed: 0, running: false };
  const now = () => (clock.running ? clock.at + (performance.now() - clock.recv) * clock.speed : clock.at);
  const dur = (ms) => {
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return s + 's';
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = String(s % 60).padStart(2, '0');
    return h ? h + 'h' + String(m).padStart(2, '0') + 'm' + r + 's' : m + 'm' + r + 's';
  };
  const tick = () => {
    const t = now();
    for (const el of document.querySelectorAll('[data-since]')) el.textContent = dur(t - Number(el.dataset.since));
    for (const el of document.querySelectorAll('[data-deadline]')) {
      const left = Number(el.dataset.deadline) - t;
      el.textContent = left >= 0 ? dur(left) + ' left' : dur(-left) + ' over';
      const card = el.closest('.cd');
      if (card && left < 0) { card.classList.remove('running'); card.classList.add('missed'); }
    }
  };
  setInterval(tick, 250);
  const conn = document.getElementById('conn');
  const setConn = (cls, text) => { if (conn) { conn.className = 'conn ' + cls; conn.textContent = text; } };
  const apply = (op) => {
    if (op.op === 'html') {
      const el = document.getElementById(op.id);
      if (el && el.innerHTML !== op.html) el.innerHTML = op.html;
    } else if (op.op === 'clock') {
      clock = { at: op.now, recv: performance.now(), speed: op.speed, running: op.running };
    } else if (op.op === 'end') {
      ended = true;
      es.close();
      document.body.classList.add('ended');
      const live = document.getElementById('live');
      if (live) live.classList.remove('live');
      const flash = document.getElementById('flash');
      if (flash) flash.className = '';
      setConn('over', 'over');
    }
  };
  let ended = false;
  const es = new EventSource('/events?token=' + encodeURIComponent(token));
  es.addEventListener('patch', (ev) => {
    for (const op of JSON.parse(ev.data)) apply(op);
    if (!ended) setConn('on', 'live');
    tick();
  });
  es.addEventListener('error', () => { if (!ended) setConn('off', 'reconnecting…'); });
  const flash = document.getElementById('flash');
  let flashTimer = 0;
  const say = (text, bad) => {
    if (!flash) return;
    flash.textContent = text;
    flash.className = bad ? 'show bad' : 'show';
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => { flash.className = ''; }, 6000);
  };
  document.addEventListener('click', async (ev) => {
    const b = ev.target instanceof Element ? ev.target.closest('button[data-action]') : null;
    if (!b || b.disabled) return;
    b.disabled = true;
    try {
      const res = await fetch('/api/' + b.dataset.action + '?token=' + encodeURIComponent(token), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-gameday-token': token },
        body: JSON.stringify(b.dataset.index === undefined ? {} : { index: Number(b.dataset.index) }),
      });
      const answer = await res.json().catch(() => ({ message: res.statusText }));
      say(answer.message || res.statusText, !res.ok);
      if (!res.ok) b.disabled = false;
    } catch (err) {
      say('gameday did not answer: ' + err, true);
      b.disabled = false;
    }
  });
})();`;
