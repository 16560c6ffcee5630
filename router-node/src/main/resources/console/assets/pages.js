// The console's read-only pages: overview charts, cluster, providers, models and live requests.
'use strict';

(() => {
  const {h, api, fmt, usd, time, bar, spark, register} = Console;

  // ---------------------------------------------------------------- Overview
  const charts = [
    {id: 'rps', title: 'Requests / s', series: [{label: 'requests/s', stroke: '#2f6fde'}],
      values: (p, s) => [p.requests / s], floor: 1},
    {id: 'errors', title: 'Error rate %', series: [{label: 'errors %', stroke: '#d64545'}],
      values: (p) => [p.requests > 0 ? 100 * p.errors / p.requests : null], floor: 5},
    {id: 'latency', title: 'Latency (ms)', series: [{label: 'p50', stroke: '#1f9d55'}, {label: 'p99', stroke: '#d98e04'}],
      values: (p) => [p.p50Ms, p.p99Ms], floor: 10},
    {id: 'tokens', title: 'Tokens / s', series: [{label: 'tokens/s', stroke: '#7a4fd6'}],
      values: (p, s) => [p.tokens / s], floor: 1},
    {id: 'spend', title: 'Spend / hour (USD)', series: [{label: '$/hour', stroke: '#0f8b8d'}],
      values: (p, s) => [p.costUsd * 3600 / s], floor: 0.01},
  ];
  let plots = {};
  let onResize = null;

  function tiles(points, seconds) {
    const recent = points.slice(-Math.max(1, Math.round(60 / seconds)));
    const sum = (f) => recent.reduce((a, p) => a + f(p), 0);
    const requests = sum(p => p.requests);
    const errors = sum(p => p.errors);
    const p99 = Math.max(0, ...recent.map(p => p.p99Ms || 0));
    const span = recent.length * seconds;
    return [
      ['Requests / s (1 min)', fmt(requests / span, 2)],
      ['Error rate (1 min)', requests > 0 ? fmt(100 * errors / requests, 1) + ' %' : '–'],
      ['Worst p99 (1 min)', requests > 0 ? fmt(p99, 0) + ' ms' : '–'],
      ['Tokens / s (1 min)', fmt(sum(p => p.tokens) / span, 1)],
      ['Spend / hour (1 min)', usd(sum(p => p.costUsd) * 3600 / span)],
      ['Requests (1 h)', fmt(points.reduce((a, p) => a + p.requests, 0), 0)],
    ].map(([label, value]) => h('div', {class: 'tile'}, h('div', {class: 'label'}, label), h('div', {class: 'value'}, value)));
  }

  register('overview', {
    mount(root) {
      plots = {};
      root.append(h('h2', {}, 'Overview ', h('span', {class: 'muted'}, '(this node, the last hour)')),
        h('div', {class: 'tiles', id: 'overview-tiles'}),
        h('div', {class: 'grid'}, charts.map(c => h('div', {class: 'panel'}, h('h3', {}, c.title), h('div', {id: 'chart-' + c.id})))));
      onResize = () => Object.values(plots).forEach(p => p.setSize({width: p.root.parentElement.clientWidth - 4, height: 200}));
      window.addEventListener('resize', onResize);
    },
    unmount() {
      Object.values(plots).forEach(p => p.destroy());
      plots = {};
      window.removeEventListener('resize', onResize);
    },
    async refresh() {
      const series = await api('/console/api/series');
      const seconds = series.intervalMillis / 1000;
      const points = series.points;
      document.getElementById('overview-tiles').replaceChildren(...tiles(points, seconds));
      const xs = points.map(p => p.t / 1000);
      for (const c of charts) {
        const ys = c.series.map((_, i) => points.map(p => c.values(p, seconds)[i]));
        const data = [xs, ...ys];
        if (plots[c.id]) { plots[c.id].setData(data); continue; }
        const el = document.getElementById('chart-' + c.id);
        if (!el) return;
        plots[c.id] = new uPlot({
          width: el.parentElement.clientWidth - 4, height: 200,
          series: [{}, ...c.series.map(s => ({label: s.label, stroke: s.stroke, width: 1.5, spanGaps: false,
            fill: s.stroke + '22'}))],
          scales: {x: {time: true}, y: {range: (u, min, max) => [0, Math.max(max || 0, c.floor) * 1.1]}},
          axes: [{}, {size: 55}],
        }, data, el);
      }
    },
  });

  // ---------------------------------------------------------------- Cluster
  register('cluster', {
    mount(root) {
      root.append(h('h2', {}, 'Cluster'), h('div', {id: 'cluster-body'}));
    },
    async refresh() {
      const [cluster, providers] = await Promise.all([api('/console/api/cluster'), api('/admin/providers')]);
      const byNode = {};
      for (const p of providers.providers) (byNode[p.node] = byNode[p.node] || []).push(p);
      const rows = cluster.members.map(m => h('tr', {},
        h('td', {}, m.address, m.self ? h('span', {class: 'badge'}, ' this node') : null),
        h('td', {}, h('span', {class: 'badge ' + (m.status === 'Up' && m.reachable ? 'ok' : 'warn')},
          m.status + (m.reachable ? '' : ' (unreachable)'))),
        h('td', {}, m.roles.length ? m.roles.join(', ') : h('span', {class: 'muted'}, 'none')),
        h('td', {}, m.leader ? 'leader' : ''),
        h('td', {}, (byNode[m.address] || []).map(p => h('span', {class: 'badge', style: 'margin-right:4px'}, p.provider)))));
      const elsewhere = providers.providers.filter(p => !cluster.members.some(m => m.address === p.node));
      document.getElementById('cluster-body').replaceChildren(
        h('p', {class: 'muted'}, cluster.cluster
          ? 'Each provider entity lives on exactly one member; every node sends its requests there.'
          : 'A single node: every provider actor lives here.'),
        h('div', {class: 'panel'}, h('table', {id: 'members'},
          h('thead', {}, h('tr', {}, ['Member', 'Status', 'Roles', '', 'Provider entities here'].map(t => h('th', {}, t)))),
          h('tbody', {}, rows))),
        elsewhere.length ? h('p', {class: 'muted'}, 'Placed on nodes not listed: ' +
          elsewhere.map(p => p.provider + ' @ ' + p.node).join(', ')) : '');
    },
  });

  // ---------------------------------------------------------------- Providers
  const breakerClass = (b) => b === 'closed' ? 'ok' : b === 'open' ? 'bad' : 'warn';

  function providerCard(p, series) {
    const st = p.statistics || {};
    const recent = (series && series.points || []).slice(-60);
    const buckets = (p.buckets || []).map(b => {
      const name = (b.dimension === 'REQUESTS' ? 'RPM' : 'TPM') + (b.scope === '*' ? '' : ' ' + b.scope)
        + (b.learned ? ' (learned)' : '');
      return bar(b.capacity - b.level, b.capacity, name + ' in use of ' + fmt(b.limitPerMinute, 0) + '/min');
    });
    // The provider's own breaker (transport failures), then one per upstream model (the model's failures).
    const modelBreakers = Object.entries(p.modelBreakers || {}).map(([model, b]) =>
      h('span', {class: 'badge model-breaker ' + breakerClass(b.state), 'data-model': model, 'data-breaker': b.state},
        model + ' ' + b.state));
    return h('div', {class: 'panel provider-card', 'data-provider': p.provider},
      h('div', {class: 'card-head'}, h('h3', {}, p.provider),
        h('span', {class: 'badge breaker ' + breakerClass(p.breaker), 'data-breaker': p.breaker}, 'breaker ' + p.breaker)),
      modelBreakers.length ? h('div', {class: 'row model-breakers'}, ...modelBreakers) : null,
      bar(p.inFlight, p.maxInFlight, 'in flight'),
      bar(p.queued, p.queueCapacity, 'queued'),
      buckets.length ? buckets : h('div', {class: 'muted'}, 'no rate limits configured or learned'),
      p.pauseRemainingMillis > 0
        ? h('div', {class: 'row'}, h('span', {class: 'error'}, 'paused by upstream 429'),
          h('span', {}, fmt(p.pauseRemainingMillis / 1000, 1) + ' s left'))
        : null,
      h('div', {class: 'stats'},
        h('div', {}, h('span', {class: 'label'}, 'req/s'), fmt(st.requestsPerSecond, 2)),
        h('div', {}, h('span', {class: 'label'}, 'success'),
          st.successRate === null || st.successRate === undefined ? '–' : fmt(100 * st.successRate, 1) + ' %'),
        h('div', {}, h('span', {class: 'label'}, 'p50 / p99 ms'), fmt(st.latencyP50Ms, 0) + ' / ' + fmt(st.latencyP99Ms, 0))),
      h('div', {class: 'muted', style: 'font-size:12px;margin-top:6px'}, 'latency p50, last 5 min'),
      spark(recent.map(x => x.p50Ms), 'latency', 'latency p50 (ms)'),
      h('div', {class: 'muted', style: 'font-size:12px'}, 'failed calls, last 5 min'),
      spark(recent.map(x => x.errors), 'errors', 'failed calls'),
      h('div', {class: 'muted', style: 'font-size:12px'}, 'on ' + p.node + '; breaker transitions: ' +
        (Object.entries(p.breakerTransitions || {}).map(([k, v]) => k + ' ' + v).join(', ') || 'none')));
  }

  register('providers', {
    mount(root) {
      root.append(h('h2', {}, 'Providers'), h('div', {class: 'cards', id: 'provider-cards'}));
    },
    async refresh() {
      const providers = (await api('/admin/providers')).providers;
      const series = await Promise.all(providers.map(p =>
        api('/console/api/series?provider=' + encodeURIComponent(p.provider)).catch(() => null)));
      document.getElementById('provider-cards').replaceChildren(...providers.map((p, i) => providerCard(p, series[i])));
    },
  });

  // ---------------------------------------------------------------- Models and routes
  register('models', {
    mount(root) {
      root.append(h('h2', {}, 'Models & routes'),
        h('div', {class: 'toolbar'}, h('input', {id: 'model-filter', placeholder: 'filter models', oninput: () => Console.refresh()})),
        h('div', {class: 'panel'}, h('h3', {}, 'Catalog'), h('div', {id: 'models-body'})),
        h('div', {class: 'panel'}, h('h3', {}, 'Auto routes ', h('span', {class: 'muted'}, '(from the live registry)')),
          h('div', {id: 'routes-body'})),
        h('div', {class: 'panel'}, h('h3', {}, 'Recent auto-route decisions ',
          h('span', {class: 'muted'}, '(this node, newest first)')), h('div', {id: 'decisions-body'})));
      // Fan-out outcomes (issue 20) will be a panel here too.
    },
    async refresh() {
      const q = (document.getElementById('model-filter') || {}).value || '';
      const models = await api('/console/api/models' + (q ? '?q=' + encodeURIComponent(q) : ''));
      const price = (pr) => pr ? Object.entries(pr).map(([k, v]) => k.replace(/_/g, ' ') + ' ' + v).join(', ') : '–';
      document.getElementById('models-body').replaceChildren(h('table', {id: 'models'},
        h('thead', {}, h('tr', {}, ['Model', 'Available', 'Deployments (in order)', 'Context', 'Max output', 'Prices', 'Capabilities']
          .map(t => h('th', {}, t)))),
        h('tbody', {}, models.data.map(m => h('tr', {},
          h('td', {}, h('strong', {}, m.id)),
          h('td', {}, h('span', {class: 'badge ' + (m.available ? 'ok' : 'bad')}, m.available ? 'yes' : 'no')),
          h('td', {}, (m.deployments || []).map(d => h('div', {}, d.provider + ' / ' + d.upstream_model))),
          h('td', {class: 'num'}, fmt(m.context_window, 0)),
          h('td', {class: 'num'}, fmt(m.max_output_tokens, 0)),
          h('td', {}, price(m.pricing)),
          h('td', {}, (m.capabilities || []).join(', ')))))));
      await routesPanel();
      decisionsPanel();
    },
  });

  /** The registry's auto routes: candidates, objective weights, hard limits and fallback rules. */
  async function routesPanel() {
    const registry = await api('/admin/registry');
    const routes = Object.entries(registry.routes || {});
    const limits = (l) => [
      l.max_price_per_request_usd != null ? 'price ≤ $' + l.max_price_per_request_usd : null,
      l.max_latency ? 'latency ≤ ' + l.max_latency.replace(/^PT/, '').toLowerCase() : null,
      (l.requires || []).length ? 'requires ' + l.requires.join(', ') : null,
      l.context_must_fit ? 'context must fit' : null].filter(x => x).join('; ') || '–';
    const body = document.getElementById('routes-body');
    if (!body) return;
    body.replaceChildren(routes.length === 0 ? h('p', {class: 'muted'}, 'No auto routes.') : h('table', {id: 'routes'},
      h('thead', {}, h('tr', {}, ['Route', 'Candidates', 'Objective (cost / latency / quality)', 'Limits', 'Fallbacks']
        .map(t => h('th', {}, t)))),
      h('tbody', {}, routes.map(([name, r]) => h('tr', {},
        h('td', {}, h('strong', {}, name)),
        h('td', {}, (r.candidates || []).join(', ')),
        h('td', {}, [r.objective.cost, r.objective.latency, r.objective.quality].join(' / ')),
        h('td', {}, limits(r.limits || {})),
        h('td', {}, (r.fallbacks || []).map(f => f.when + ' → ' + (f.model || 'next')).join('; ') || '–'))))));
  }

  /** The latest requests that asked for an auto route: which model it chose and why (never the content). */
  function decisionsPanel() {
    const body = document.getElementById('decisions-body');
    if (!body) return;
    const decisions = Console.live().filter(e => e.route).slice(0, 20);
    body.replaceChildren(decisions.length === 0 ? h('p', {class: 'muted'}, 'No auto-route requests seen yet.')
      : h('table', {id: 'decisions'},
        h('thead', {}, h('tr', {}, ['Time', 'Request id', 'Route', 'Chosen model', 'Outcome', 'Reason']
          .map(t => h('th', {}, t)))),
        h('tbody', {}, decisions.map(e => h('tr', {'data-request-id': e.requestId || ''},
          h('td', {}, time(e.at)),
          h('td', {}, h('code', {}, e.requestId || '–')),
          h('td', {}, e.route),
          h('td', {}, h('strong', {}, e.model)),
          h('td', {}, h('span', {class: 'badge ' + (e.outcome === 'success' ? 'ok' : 'bad')}, e.outcome)),
          h('td', {class: 'reason'}, e.routeReason || ''))))));
  }

  // ---------------------------------------------------------------- Live requests
  let unsubscribe = null;
  function liveRow(e, fresh) {
    const ok = e.outcome === 'success';
    return h('tr', {class: fresh ? 'fresh' : null, 'data-request-id': e.requestId || ''},
      h('td', {}, time(e.at)),
      h('td', {}, h('code', {}, e.requestId || '–')),
      h('td', {}, Console.keyName(e.keyId)),
      h('td', {title: e.routeReason || ''}, e.route ? e.model + ' ← ' + e.route : e.model),
      h('td', {}, e.deployment),
      h('td', {}, h('span', {class: 'badge ' + (ok ? 'ok' : 'bad')}, e.outcome)),
      h('td', {class: 'num'}, fmt(e.latencyMs, 0) + ' ms'),
      h('td', {class: 'num'}, fmt(e.promptTokens + e.completionTokens, 0)),
      h('td', {class: 'num'}, usd(e.costUsd)));
  }
  register('live', {
    mount(root) {
      root.append(h('h2', {}, 'Live requests ', h('span', {class: 'muted'}, '(this node, newest first; never their content)')),
        h('div', {class: 'panel'}, h('table', {id: 'live'},
          h('thead', {}, h('tr', {}, ['Time', 'Request id', 'Key', 'Model', 'Deployment', 'Outcome', 'Latency', 'Tokens', 'Cost']
            .map((t, i) => h('th', {class: i >= 6 ? 'num' : null}, t)))),
          h('tbody', {id: 'live-body'}, Console.live().map(e => liveRow(e, false))))));
      unsubscribe = Console.onLive(entries => {
        const body = document.getElementById('live-body');
        if (!body) return;
        for (const e of entries) body.prepend(liveRow(e, true));
        while (body.children.length > 200) body.lastChild.remove();
      });
    },
    unmount() { if (unsubscribe) unsubscribe(); },
  });
})();
