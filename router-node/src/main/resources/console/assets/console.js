// The console's shell: navigation by #hash, one refresh every 2 s for the page shown, the live-request
// stream, and small helpers the pages share. Everything is drawn with textContent: nothing the node
// answers is ever parsed as HTML.
'use strict';

const Console = (() => {
  const REFRESH_MS = 2000;
  const pages = {};
  let current = null;
  let info = {providers: [], cluster: false, node: '', seriesIntervalMillis: 5000};
  let keyNames = {};
  const live = [];
  const liveListeners = new Set();
  const LIVE_KEPT = 200;

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k.startsWith('on')) el.addEventListener(k.substring(2), v);
      else if (k === 'style') el.setAttribute('style', v);
      else el.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  async function api(path, options) {
    const response = await fetch(path, Object.assign({credentials: 'same-origin'}, options || {}));
    if (response.status === 401) {
      window.location.assign('/console/login');
      throw new Error('logged out');
    }
    const type = response.headers.get('content-type') || '';
    const body = type.includes('json') ? await response.json() : null;
    if (!response.ok) {
      const message = body && body.error && body.error.message ? body.error.message : 'HTTP ' + response.status;
      const error = new Error(message);
      error.status = response.status;
      throw error;
    }
    return body;
  }

  function fmt(n, digits) {
    if (n === null || n === undefined || Number.isNaN(n)) return '–';
    return Number(n).toLocaleString('en-US', {maximumFractionDigits: digits === undefined ? 1 : digits});
  }
  function usd(n) {
    if (n === null || n === undefined) return '–';
    const v = Number(n);
    return '$' + v.toLocaleString('en-US', {minimumFractionDigits: v !== 0 && Math.abs(v) < 0.01 ? 6 : 2,
      maximumFractionDigits: v !== 0 && Math.abs(v) < 0.01 ? 6 : 2});
  }
  function time(ms) { return new Date(ms).toLocaleTimeString('en-GB'); }

  function bar(value, max, label) {
    const pct = max > 0 ? Math.max(0, Math.min(100, 100 * value / max)) : 0;
    const cls = pct >= 90 ? 'bar bad' : pct >= 70 ? 'bar warn' : 'bar';
    return [h('div', {class: 'row'}, h('span', {}, label), h('span', {class: 'muted'}, fmt(value, 1) + ' / ' + fmt(max, 0))),
      h('div', {class: cls, role: 'meter', 'aria-valuenow': value, 'aria-valuemax': max},
        h('span', {style: 'width:' + pct.toFixed(1) + '%'}))];
  }

  /** A sparkline of numbers (nulls as gaps) as an inline SVG polyline. */
  function spark(values, cls, title) {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('class', 'spark ' + cls);
    svg.setAttribute('viewBox', '0 0 100 30');
    svg.setAttribute('preserveAspectRatio', 'none');
    const t = document.createElementNS(ns, 'title');
    t.textContent = title;
    svg.append(t);
    const max = Math.max(1e-9, ...values.filter(v => v !== null));
    let points = [];
    const flush = () => {
      if (points.length > 0) {
        const line = document.createElementNS(ns, 'polyline');
        line.setAttribute('points', points.join(' '));
        svg.append(line);
      }
      points = [];
    };
    values.forEach((v, i) => {
      if (v === null) { flush(); return; }
      const x = values.length > 1 ? (100 * i / (values.length - 1)) : 50;
      points.push(x.toFixed(2) + ',' + (29 - 27 * v / max).toFixed(2));
    });
    flush();
    return svg;
  }

  function register(name, page) { pages[name] = page; }

  function show() {
    const name = (window.location.hash || '#overview').substring(1);
    const page = pages[name] || pages.overview;
    if (current && current.unmount) current.unmount();
    document.querySelectorAll('#nav a').forEach(a => a.classList.toggle('active', a.dataset.page === name));
    const root = document.getElementById('page');
    root.replaceChildren();
    current = page;
    page.mount(root);
    refresh();
  }

  let refreshing = false;
  async function refresh() {
    if (refreshing || !current || !current.refresh) return;
    refreshing = true;
    const status = document.getElementById('status');
    try {
      await current.refresh();
      status.textContent = 'updated ' + time(Date.now());
      status.classList.remove('stale');
    } catch (e) {
      if (e.message !== 'logged out') {
        status.textContent = 'not updated: ' + e.message;
        status.classList.add('stale');
      }
    } finally {
      refreshing = false;
    }
  }

  async function loadKeyNames() {
    try {
      const keys = await api('/admin/keys');
      const names = {};
      for (const k of keys.data) names[k.id] = k.name;
      keyNames = names;
    } catch (e) { /* shown as ids meanwhile */ }
  }

  function openLive() {
    const source = new EventSource('/console/api/live');
    source.onmessage = (event) => {
      const entries = JSON.parse(event.data);
      for (const e of entries) live.unshift(e);
      live.splice(LIVE_KEPT);
      if (entries.some(e => e.keyId && !(e.keyId in keyNames))) loadKeyNames();
      liveListeners.forEach(l => l(entries));
    };
    source.onerror = () => {
      // EventSource reconnects by itself; a session that ended shows as a 401 on the next refresh.
    };
  }

  async function start() {
    info = await api('/console/api/info');
    document.getElementById('node').textContent = (info.cluster ? 'cluster member ' : 'single node ') + info.node;
    document.getElementById('nav-ollama').hidden = !info.providers.some(p => p.kind === 'ollama');
    document.getElementById('logout').addEventListener('click', async () => {
      await fetch('/console/logout', {method: 'POST', credentials: 'same-origin'});
      window.location.assign('/console/login');
    });
    await loadKeyNames();
    openLive();
    window.addEventListener('hashchange', show);
    setInterval(refresh, REFRESH_MS);
    setInterval(loadKeyNames, 15000);
    show();
  }

  return {
    h, api, fmt, usd, time, bar, spark, register, start, refresh,
    info: () => info,
    keyName: (id) => id ? (keyNames[id] || id) : 'anonymous',
    keyNames: () => keyNames,
    setKeyNames: (names) => { keyNames = names; },
    live: () => live,
    onLive: (listener) => { liveListeners.add(listener); return () => liveListeners.delete(listener); },
  };
})();
