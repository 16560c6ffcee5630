// The console's pages that change things or query the database: keys, usage, Ollama.
'use strict';

(() => {
  const {h, api, fmt, usd, register} = Console;

  async function lifetimeSpend() {
    const report = await api('/admin/usage?group_by=key&from=1970-01-01');
    const spent = {};
    for (const g of report.data) spent[g.key_id] = Number(g.cost_usd);
    return spent;
  }

  // ---------------------------------------------------------------- Keys
  function createdBox(key) {
    const box = h('div', {class: 'panel secret-box', id: 'new-key'},
      h('h3', {}, 'Key "' + key.name + '" created: copy its secret now'),
      h('p', {}, 'This is the only time the secret is shown. The gateway keeps only its digest.'),
      h('p', {}, h('code', {id: 'new-key-secret'}, key.key)),
      h('div', {class: 'toolbar'},
        h('button', {id: 'copy-key', onclick: async (ev) => {
          try {
            await navigator.clipboard.writeText(key.key);
            ev.target.textContent = 'Copied';
          } catch (e) {
            const range = document.createRange();
            range.selectNodeContents(document.getElementById('new-key-secret'));
            window.getSelection().removeAllRanges();
            window.getSelection().addRange(range);
            ev.target.textContent = 'Selected: press Ctrl+C';
          }
        }}, 'Copy'),
        h('button', {class: 'secondary', id: 'dismiss-key', onclick: () => box.remove()}, 'I have stored it')));
    return box;
  }

  register('keys', {
    mount(root) {
      const form = h('form', {class: 'inline', id: 'create-key'},
        h('label', {}, 'Name', h('input', {name: 'name', required: true, placeholder: 'team-a'})),
        h('label', {}, 'Budget (USD, lifetime)', h('input', {name: 'budget_usd', type: 'number', min: '0', step: 'any'})),
        h('label', {}, 'Requests / min', h('input', {name: 'requests_per_minute', type: 'number', min: '0'})),
        h('label', {}, 'Tokens / min', h('input', {name: 'tokens_per_minute', type: 'number', min: '0'})),
        h('label', {}, 'Allowed models (comma-separated; empty: all)', h('input', {name: 'allowed_models'})),
        h('button', {type: 'submit'}, 'Create key'),
        h('span', {class: 'error', id: 'create-error'}));
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const data = new FormData(form);
        const body = {name: data.get('name')};
        for (const f of ['budget_usd', 'requests_per_minute', 'tokens_per_minute']) {
          if (data.get(f) !== '') body[f] = Number(data.get(f));
        }
        const models = String(data.get('allowed_models')).split(',').map(s => s.trim()).filter(Boolean);
        if (models.length) body.allowed_models = models;
        document.getElementById('create-error').textContent = '';
        try {
          const key = await api('/admin/keys', {method: 'POST', headers: {'Content-Type': 'application/json'},
            body: JSON.stringify(body)});
          form.reset();
          const old = document.getElementById('new-key');
          if (old) old.remove();
          form.parentElement.after(createdBox(key));
          Console.refresh();
        } catch (e) {
          document.getElementById('create-error').textContent = e.message;
        }
      });
      root.append(h('h2', {}, 'Keys'), h('div', {class: 'panel'}, h('h3', {}, 'New key'), form),
        h('div', {class: 'panel'}, h('div', {id: 'keys-body'})));
    },
    async refresh() {
      const [keys, spent] = await Promise.all([api('/admin/keys'), lifetimeSpend()]);
      const names = {};
      for (const k of keys.data) names[k.id] = k.name;
      Console.setKeyNames(names);
      const rows = keys.data.sort((a, b) => b.created_at.localeCompare(a.created_at)).map(k => h('tr', {'data-key-id': k.id},
        h('td', {}, h('strong', {}, k.name), h('div', {class: 'muted'}, h('code', {}, k.id))),
        h('td', {}, h('span', {class: 'badge ' + (k.status === 'active' ? 'ok' : 'bad')}, k.status)),
        h('td', {}, k.allowed_models.length ? k.allowed_models.join(', ') : h('span', {class: 'muted'}, 'all')),
        h('td', {class: 'num'}, k.requests_per_minute ? fmt(k.requests_per_minute, 0) : '–'),
        h('td', {class: 'num'}, k.tokens_per_minute ? fmt(k.tokens_per_minute, 0) : '–'),
        h('td', {style: 'min-width:180px'}, k.budget_usd !== undefined && k.budget_usd !== null
          ? Console.bar(spent[k.id] || 0, Number(k.budget_usd), usd(spent[k.id] || 0) + ' of ' + usd(k.budget_usd))
          : h('span', {}, usd(spent[k.id] || 0), h('span', {class: 'muted'}, ' (no budget)'))),
        h('td', {}, new Date(k.created_at).toLocaleString('en-GB')),
        h('td', {}, k.status === 'revoked' ? '' : h('button', {class: 'danger', onclick: async () => {
          if (!window.confirm('Revoke key "' + k.name + '"? Requests with it fail at once.')) return;
          await api('/admin/keys/' + encodeURIComponent(k.id), {method: 'DELETE'});
          Console.refresh();
        }}, 'Revoke'))));
      document.getElementById('keys-body').replaceChildren(h('table', {id: 'keys'},
        h('thead', {}, h('tr', {}, ['Key', 'Status', 'Models', 'RPM', 'TPM', 'Budget', 'Created', ''].map(t => h('th', {}, t)))),
        h('tbody', {}, rows)));
    },
  });

  // ---------------------------------------------------------------- Usage
  const RANGES = {'1h': 3600e3, '24h': 86400e3, '7d': 7 * 86400e3, '30d': 30 * 86400e3};
  let usageRange = '24h';
  let usageTables = {};

  function csv(rows, columns) {
    const cell = (v) => {
      const s = v === null || v === undefined ? '' : String(v);
      return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
    };
    return [columns.map(c => cell(c.title)).join(','), ...rows.map(r => columns.map(c => cell(r[c.field])).join(','))].join('\n') + '\n';
  }

  function download(name, text) {
    const url = URL.createObjectURL(new Blob([text], {type: 'text/csv'}));
    const a = h('a', {href: url, download: name});
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  function byProvider(groups) {
    const out = {};
    for (const g of groups) {
      const p = g.deployment.split('/')[0];
      const o = out[p] = out[p] || {provider: p, requests: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0};
      for (const f of ['requests', 'prompt_tokens', 'completion_tokens', 'total_tokens']) o[f] += g[f];
      o.cost_usd = Math.round((o.cost_usd + Number(g.cost_usd)) * 1e8) / 1e8;
    }
    return Object.values(out);
  }

  function usageTable(id, title, label, field, rows) {
    const columns = [{title: label, field}, {title: 'requests', field: 'requests'},
      {title: 'prompt_tokens', field: 'prompt_tokens'}, {title: 'completion_tokens', field: 'completion_tokens'},
      {title: 'total_tokens', field: 'total_tokens'}, {title: 'cost_usd', field: 'cost_usd'}];
    usageTables[id] = {rows, columns};
    rows.sort((a, b) => Number(b.cost_usd) - Number(a.cost_usd) || b.total_tokens - a.total_tokens);
    return h('div', {class: 'panel'},
      h('div', {class: 'card-head'}, h('h3', {}, title),
        h('button', {class: 'secondary', id: 'csv-' + id,
          onclick: () => download('switchboard-usage-' + id + '.csv', csv(usageTables[id].rows, columns))}, 'CSV')),
      h('table', {id: 'usage-' + id},
        h('thead', {}, h('tr', {}, h('th', {}, label), ['Requests', 'Prompt tokens', 'Completion tokens', 'Total tokens', 'Cost']
          .map(t => h('th', {class: 'num'}, t)))),
        h('tbody', {}, rows.map(r => h('tr', {},
          h('td', {}, field === 'key_id' ? (r.key_id ? Console.keyName(r.key_id) : 'anonymous') : r[field]),
          h('td', {class: 'num'}, fmt(r.requests, 0)), h('td', {class: 'num'}, fmt(r.prompt_tokens, 0)),
          h('td', {class: 'num'}, fmt(r.completion_tokens, 0)), h('td', {class: 'num'}, fmt(r.total_tokens, 0)),
          h('td', {class: 'num'}, usd(r.cost_usd)))))));
  }

  async function loadUsage() {
    const to = new Date();
    const from = new Date(to.getTime() - RANGES[usageRange]);
    const q = (g) => api('/admin/usage?group_by=' + g + '&from=' + from.toISOString() + '&to=' + to.toISOString());
    const [keys, models, deployments] = await Promise.all([q('key'), q('model'), q('deployment')]);
    const body = document.getElementById('usage-body');
    if (!body) return;
    const named = keys.data.map(g => Object.assign({key_name: g.key_id ? Console.keyName(g.key_id) : 'anonymous'}, g));
    body.replaceChildren(h('p', {class: 'muted'}, 'From ' + from.toLocaleString('en-GB') + ' to ' + to.toLocaleString('en-GB')),
      h('div', {class: 'stack'},
        usageTable('key', 'By key', 'Key', 'key_id', named),
        usageTable('model', 'By model', 'Model', 'model', models.data),
        usageTable('provider', 'By provider', 'Provider', 'provider', byProvider(deployments.data))));
    usageTables.key.columns.splice(1, 0, {title: 'key_name', field: 'key_name'});
  }

  register('usage', {
    mount(root) {
      root.append(h('h2', {}, 'Usage'),
        h('div', {class: 'toolbar'}, 'Range:', Object.keys(RANGES).map(r => h('button', {
          class: r === usageRange ? '' : 'secondary', 'data-range': r,
          onclick: (ev) => {
            usageRange = r;
            document.querySelectorAll('[data-range]').forEach(b => b.className = b.dataset.range === r ? '' : 'secondary');
            loadUsage();
          }}, 'last ' + r)), h('button', {class: 'secondary', onclick: () => loadUsage()}, 'Reload')),
        h('div', {id: 'usage-body'}));
      loadUsage();
    },
  });

  // ---------------------------------------------------------------- Ollama
  async function pull(provider, model, progress, label) {
    const response = await fetch('/admin/ollama/' + encodeURIComponent(provider) + '/pull', {method: 'POST',
      credentials: 'same-origin', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({model})});
    if (!response.ok) {
      const body = await response.json().catch(() => null);
      throw new Error(body && body.error ? body.error.message : 'HTTP ' + response.status);
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    for (;;) {
      const {value, done} = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, {stream: true});
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.substring(0, nl).trim();
        buffered = buffered.substring(nl + 1);
        if (!line) continue;
        const p = JSON.parse(line);
        if (p.error) throw new Error(p.error.message || String(p.error));
        label.textContent = p.status + (p.total ? ' ' + fmt(100 * (p.completed || 0) / p.total, 0) + ' %' : '');
        if (p.total) progress.style.width = (100 * (p.completed || 0) / p.total).toFixed(1) + '%';
        if (p.status === 'success') progress.style.width = '100%';
      }
    }
  }

  register('ollama', {
    mount(root) {
      root.append(h('h2', {}, 'Ollama'), h('div', {id: 'ollama-body'}));
      const body = root.querySelector('#ollama-body');
      for (const p of Console.info().providers.filter(x => x.kind === 'ollama')) {
        const bar = h('span', {});
        const label = h('span', {class: 'muted'});
        const input = h('input', {placeholder: 'model to pull, e.g. llama3.2', required: true});
        const form = h('form', {class: 'inline'}, input, h('button', {type: 'submit'}, 'Pull'), label);
        form.addEventListener('submit', async (event) => {
          event.preventDefault();
          bar.style.width = '0';
          label.textContent = 'starting';
          try {
            await pull(p.id, input.value.trim(), bar, label);
            label.textContent = 'pulled ' + input.value.trim();
            Console.refresh();
          } catch (e) {
            label.textContent = 'pull failed: ' + e.message;
          }
        });
        body.append(h('div', {class: 'panel'}, h('h3', {}, p.id),
          h('div', {class: 'grid'}, h('div', {}, h('strong', {}, 'Pulled'), h('div', {id: 'pulled-' + p.id})),
            h('div', {}, h('strong', {}, 'Loaded'), h('div', {id: 'loaded-' + p.id}))),
          h('h3', {style: 'margin-top:12px'}, 'Pull a model'), form, h('div', {class: 'progress'}, bar)));
      }
    },
    async refresh() {
      for (const p of Console.info().providers.filter(x => x.kind === 'ollama')) {
        const base = '/admin/ollama/' + encodeURIComponent(p.id);
        const list = (models) => models.length ? h('ul', {}, models.map(m => h('li', {}, m.name,
          m.size ? h('span', {class: 'muted'}, ' ' + fmt(m.size / 1e9, 2) + ' GB') : null)))
          : h('p', {class: 'muted'}, 'none');
        const [pulled, loaded] = await Promise.all([api(base + '/models').catch(e => ({error: e})),
          api(base + '/loaded').catch(e => ({error: e}))]);
        const put = (id, r) => {
          const el = document.getElementById(id);
          if (el) el.replaceChildren(r.error ? h('p', {class: 'error'}, r.error.message) : list(r.models || []));
        };
        put('pulled-' + p.id, pulled);
        put('loaded-' + p.id, loaded);
      }
    },
  });

  Console.start();
})();
