// tl view: the page. Plain JavaScript, no framework and no build step: a hash router over three
// views (session list, session timeline with step detail, search), a virtualized list so a
// million-step session scrolls like a short one, and an EventSource for the live tail.
// Data is only ever put into the page as text (textContent), never as HTML.
'use strict';

const TOKEN = new URLSearchParams(location.search).get('token') || '';
const RH = 24;            // row height in px, as --rh in app.css
const PAGE = 100;         // steps per page fetched for the timeline
const MAX_PX = 8e6;       // the tallest scroll area used; taller lists are mapped onto it

// ---------- small helpers ----------

function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    // Through the CSSOM: the Content-Security-Policy forbids style attributes.
    else if (k === 'style') el.style.cssText = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids.flat()) {
    if (kid == null || kid === false) continue;
    el.append(kid instanceof Node ? kid : String(kid));
  }
  return el;
}
const $ = (sel, el = document) => el.querySelector(sel);

async function api(path, params) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
  }
  const res = await fetch(url, { headers: { 'X-TL-Token': TOKEN } });
  let body;
  try { body = await res.json(); } catch { body = {}; }
  if (!res.ok) throw new Error(body.error || `${res.status} ${res.statusText}`);
  return body;
}

const shortId = (id) => (id || '').slice(0, 8);
function fmtDuration(ms) {
  if (ms == null) return '';
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
// Times are shown in the browser's time zone; the API speaks UTC.
function fmtClock(iso) {
  const d = new Date(iso);
  return isNaN(d) ? '' : d.toLocaleTimeString([], { hour12: false });
}
function fmtDate(iso) {
  const d = new Date(iso);
  if (isNaN(d)) return '';
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}
function fmtCount(n) {
  if (n == null) return '';
  if (n < 1000) return String(n);
  if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e4 ? 1 : 0)}k`;
  return `${(n / 1e6).toFixed(1)}M`;
}
function fmtCost(usd, complete) {
  if (!usd) return complete === false ? '?' : '—';
  return `$${usd < 0.01 ? usd.toFixed(4) : usd.toFixed(2)}${complete === false ? '+' : ''}`;
}
const project = (cwd) => (cwd || '').split('/').filter(Boolean).pop() || '';

const KINDS = {
  SHELL_EXEC: ['sh', 'shell'], SHELL_STDOUT: ['out', 'shell'], SHELL_STDERR: ['err', 'shell'],
  FILE_READ: ['read', 'read'], FILE_READDIR: ['ls', 'read'], FILE_WRITE: ['write', 'write'],
  FILE_RENAME: ['mv', 'write'], FILE_CHMOD: ['chmod', 'write'], FILE_CHOWN: ['chown', 'write'],
  FILE_DELETE: ['del', 'del'], HTTP_REQUEST: ['web', 'web'], HTTP_RESPONSE: ['web', 'web'],
  MCP_TOOL_CALL: ['mcp', 'mcp'], MCP_TOOL_RESULT: ['mcp', 'mcp'], TOOL_CALL: ['tool', 'mcp'],
  USER_INPUT: ['user', 'user'], ASSISTANT_TEXT: ['ai', 'ai'], AGENT_THINK: ['think', 'think'],
  AGENT_ACT: ['agent', 'agent'], SUBAGENT_START: ['sub+', 'agent'], SUBAGENT_STOP: ['sub-', 'agent'],
  TOKEN_USAGE: ['tok', 'meta'], SESSION_START: ['start', 'meta'], SESSION_END: ['end', 'meta'],
  COMPACTION: ['cmpct', 'meta'], NOTIFICATION: ['note', 'meta'], PERMISSION_REQUEST: ['perm', 'meta'],
  STOP: ['stop', 'meta'], MODEL_REQUEST: ['req', 'meta'], MODEL_RESPONSE: ['resp', 'meta'], OTHER: ['other', 'meta'],
};
function kindChip(kind) {
  const [label, cls] = KINDS[kind] || [String(kind || '?').toLowerCase().slice(0, 5), 'meta'];
  return h('span', { class: `kind k-${cls}`, title: kind }, label);
}
const sevOf = (s) => (s && s !== 'none' ? s : '');
function sevCounts(a) {
  const out = h('span', { class: 'sevcounts' });
  for (const sev of ['danger', 'warning', 'info']) {
    if (a && a[sev]) out.append(h('span', { class: `badge ${sev}`, title: `${a[sev]} ${sev}` }, `${a[sev]} ${sev}`));
  }
  if (!out.childNodes.length) out.append(h('span', { class: 'nofind' }, '—'));
  return out;
}

// ---------- router ----------

let view = null;   // the current view: { key, el, destroy(), onKey(e), route(r) }

function parseRoute() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, qs] = hash.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(qs || '');
  if (parts[0] === 's' && parts[1]) return { name: 'session', id: parts[1], seq: parts[2] ? Number(parts[2]) : null, params };
  if (parts[0] === 'search') return { name: 'search', params };
  return { name: 'sessions', params };
}

function go(hash, replace) {
  if (replace) history.replaceState(null, '', hash); else history.pushState(null, '', hash);
  route();
}

function route() {
  const r = parseRoute();
  if (r.name !== 'search') $('#q').value = '';
  const key = r.name === 'session' ? `session:${r.id}` : r.name === 'search' ? `search:${r.params}` : `sessions:${r.params}`;
  if (view && view.key === key) { if (view.route) view.route(r); return; }
  if (view && view.key.startsWith('session:') && r.name === 'session' && view.key === `session:${r.id}`) { view.route(r); return; }
  if (view && view.destroy) view.destroy();
  const main = $('#main');
  main.replaceChildren();
  if (!TOKEN) {
    main.append(h('div', { class: 'error' }, 'This page needs the token that `tl view` printed: open the whole URL it shows.'));
    return;
  }
  view = r.name === 'session' ? sessionView(r) : r.name === 'search' ? searchView(r) : sessionsView(r);
  view.key = key;
  main.append(view.el);
  if (view.route) view.route(r);
}
window.addEventListener('popstate', route);
window.addEventListener('hashchange', route);

function crumbs(...items) {
  const nav = $('#crumbs');
  nav.replaceChildren();
  items.filter((it) => it != null && it !== false).forEach((it, i) => {
    if (i) nav.append(h('span', { class: 'sep' }, '›'));
    nav.append(it);
  });
}

// ---------- sessions ----------

const SORTS = {
  started: (s) => s.started_at, agent: (s) => s.agent, project: (s) => project(s.cwd) + (s.title || ''),
  duration: (s) => s.duration_ms, steps: (s) => s.total_steps, cost: (s) => s.cost_usd,
  findings: (s) => (s.anomalies.danger || 0) * 1e12 + (s.anomalies.warning || 0) * 1e6 + (s.anomalies.info || 0),
};

function sessionsView(r) {
  crumbs(h('span', {}, 'sessions'));
  const state = { rows: [], sort: r.params.get('sort') || 'started', desc: r.params.get('asc') == null, sel: 0 };
  const agent = h('select', { id: 'f-agent', title: 'Only this agent' },
    h('option', { value: '' }, 'all agents'), ...['claude-code', 'codex', 'gemini'].map((a) => h('option', { value: a }, a)));
  const sev = h('select', { id: 'f-sev', title: 'Only sessions with findings at least this severe' },
    h('option', { value: '' }, 'any findings or none'), h('option', { value: 'any' }, 'with findings'),
    h('option', { value: 'warning' }, 'warning or worse'), h('option', { value: 'danger' }, 'danger'));
  agent.value = r.params.get('agent') || '';
  sev.value = r.params.get('severity') || '';
  const count = h('span', { class: 'count' });
  const onFilter = () => {
    const p = new URLSearchParams();
    if (agent.value) p.set('agent', agent.value);
    if (sev.value) p.set('severity', sev.value);
    go(`#/${p.toString() ? '?' + p : ''}`, true);
  };
  agent.addEventListener('change', onFilter);
  sev.addEventListener('change', onFilter);
  const tbody = h('tbody');
  const thead = h('thead');
  const wrap = h('div', { class: 'tablewrap' }, h('table', { class: 'list', id: 'sessions' }, thead, tbody));
  const el = h('div', { style: 'display:contents' },
    h('div', { class: 'toolbar' }, h('label', {}, 'Agent', agent), h('label', {}, 'Findings', sev), h('span', { class: 'grow' }), count),
    wrap);

  const cols = [['id', 'Session'], ['agent', 'Agent'], ['project', 'Project · first prompt'], ['started', 'Started'],
    ['duration', 'Duration', 'num'], ['steps', 'Steps', 'num'], ['findings', 'Findings'], ['cost', 'Cost', 'num']];
  function head() {
    thead.replaceChildren(h('tr', {}, cols.map(([k, label, cls]) => h('th', {
      class: cls, 'data-sort': k,
      onclick: () => { if (!SORTS[k]) return; if (state.sort === k) state.desc = !state.desc; else { state.sort = k; state.desc = k !== 'agent' && k !== 'project'; } render(); },
    }, label, state.sort === k ? h('span', { class: 'arrow' }, state.desc ? '↓' : '↑') : null))));
  }
  function render() {
    head();
    const key = SORTS[state.sort];
    const rows = [...state.rows].sort((a, b) => {
      const x = key(a), y = key(b);
      return (x < y ? -1 : x > y ? 1 : 0) * (state.desc ? -1 : 1);
    });
    state.sorted = rows;
    tbody.replaceChildren(...rows.map((s, i) => h('tr', {
      class: i === state.sel ? 'sel' : '', 'data-id': s.id, onclick: () => go(`#/s/${encodeURIComponent(s.id)}`),
    },
    h('td', { class: 'id', title: s.id }, shortId(s.id)),
    h('td', {}, h('span', { class: `agent ${s.agent}` }, s.agent)),
    h('td', { class: 'proj', title: `${s.cwd || ''}${s.git_branch ? ` (${s.git_branch})` : ''}\n${s.title || ''}` },
      h('b', {}, project(s.cwd) || '—'), s.git_branch ? h('span', { class: 'faint' }, ` ${s.git_branch}`) : null,
      s.title ? h('span', { class: 'title' }, s.title) : null),
    h('td', { class: 'mono dim' }, fmtDate(s.started_at)),
    h('td', { class: 'num mono' }, fmtDuration(s.duration_ms)),
    h('td', { class: 'num mono' }, fmtCount(s.total_steps)),
    h('td', {}, sevCounts(s.anomalies)),
    h('td', { class: 'num mono' }, fmtCost(s.cost_usd, s.cost_complete)))));
    count.textContent = `${rows.length} session${rows.length === 1 ? '' : 's'}`;
    if (!rows.length) {
      tbody.append(h('tr', {}, h('td', { colspan: cols.length }, h('div', { class: 'empty' },
        h('h2', {}, agent.value || sev.value ? 'No session matches these filters' : 'No sessions recorded yet'),
        agent.value || sev.value ? null : h('pre', {}, 'tl install claude-code   # record from now on\ntl import                # backfill from transcripts\ntl demo                  # an example session')))));
    }
  }
  function select(i) {
    if (!state.sorted || !state.sorted.length) return;
    state.sel = Math.max(0, Math.min(state.sorted.length - 1, i));
    [...tbody.children].forEach((tr, j) => tr.classList.toggle('sel', j === state.sel));
    const tr = tbody.children[state.sel];
    if (tr) tr.scrollIntoView({ block: 'nearest' });
  }
  api('/api/sessions', { agent: agent.value, severity: sev.value, limit: 1000 })
    .then((d) => { state.rows = d.sessions; render(); })
    .catch((e) => el.append(h('div', { class: 'error' }, e.message)));
  head();
  return {
    el,
    onKey(e) {
      if (e.key === 'j' || e.key === 'ArrowDown') select(state.sel + 1);
      else if (e.key === 'k' || e.key === 'ArrowUp') select(state.sel - 1);
      else if (e.key === 'Enter' && state.sorted && state.sorted[state.sel]) go(`#/s/${encodeURIComponent(state.sorted[state.sel].id)}`);
      else return false;
      return true;
    },
  };
}

// ---------- session: timeline, detail, stats, live ----------

function sessionView(r0) {
  const id = r0.id;
  const st = {
    session: null, total: 0, filter: 'all', kind: '', sel: null, follow: false,
    pages: new Map(), loading: new Set(), bySeq: new Map(),  // unfiltered: pages of seqs
    items: [], next: 1, done: false,                           // filtered: a list read in order
    flags: [], detailSeq: null, es: null, statsOpen: false, destroyed: false, fresh: new Set(),
  };
  const head = h('div', { class: 'shead' });
  const filterSel = h('select', { id: 'f-steps', title: 'Which steps' },
    h('option', { value: 'all' }, 'all steps'), h('option', { value: 'flagged' }, 'only flagged steps'));
  const kindSel = h('select', { id: 'f-kind', title: 'Only this kind' }, h('option', { value: '' }, 'every kind'),
    ...Object.keys(KINDS).map((k) => h('option', { value: k }, k)));
  const prevBtn = h('button', { id: 'prev-finding', title: 'Previous finding (N)', onclick: () => jumpFinding(-1) }, '↑ finding');
  const nextBtn = h('button', { id: 'next-finding', title: 'Next finding (n)', onclick: () => jumpFinding(1) }, '↓ finding');
  const flagCount = h('span', { class: 'count' });
  const followBtn = h('button', { id: 'follow', title: 'Keep the newest step in view (f)', onclick: () => setFollow(!st.follow) }, 'follow');
  const statsBtn = h('button', { id: 'stats-btn', title: 'Steps by kind, tokens and cost over time (s)', onclick: () => toggleStats() }, 'stats');
  const statsEl = h('div', { class: 'stats', id: 'stats', hidden: true });
  const spacer = h('div', { class: 'vspacer' });
  const list = h('div', { class: 'vlist', id: 'timeline', tabindex: 0 }, spacer);
  const detail = h('aside', { class: 'detail', id: 'detail', hidden: true });
  const el = h('div', { style: 'display:contents' }, head,
    h('div', { class: 'toolbar' }, filterSel, kindSel, prevBtn, nextBtn, flagCount, h('span', { class: 'grow' }), followBtn, statsBtn),
    statsEl, h('div', { class: 'split' }, h('div', { class: 'timeline' }, list), detail));
  const rowEls = new Map();

  filterSel.addEventListener('change', () => { st.filter = filterSel.value; resetList(); });
  kindSel.addEventListener('change', () => { st.kind = kindSel.value; resetList(); });
  list.addEventListener('scroll', () => {
    const atEnd = list.scrollTop + list.clientHeight >= list.scrollHeight - 2;
    if (!atEnd && st.follow && !st.programmatic) setFollow(false);
    st.programmatic = false;
    paint();
  });
  new ResizeObserver(() => paint()).observe(list);

  const filtered = () => st.filter !== 'all' || st.kind !== '';
  const count = () => (filtered() ? st.items.length + (st.done ? 0 : 1) : st.total);
  // The row at index i: a step, null while loading.
  function rowAt(i) {
    if (filtered()) return st.items[i] || null;
    return st.bySeq.get(i + 1) || null;
  }
  function indexOfSeq(seq) {
    if (!filtered()) return seq - 1;
    const i = st.items.findIndex((s) => s.seq === seq);
    return i < 0 ? null : i;
  }

  function resetList() {
    st.items = []; st.next = 1; st.done = false; st.loading.clear();
    rowEls.forEach((e) => e.remove()); rowEls.clear();
    list.scrollTop = 0;
    paint();
  }
  function loadPage(p) {
    if (st.pages.has(p) || st.loading.has(p)) return;
    st.loading.add(p);
    api(`/api/sessions/${encodeURIComponent(id)}/steps`, { from: p * PAGE + 1, limit: PAGE }).then((d) => {
      st.loading.delete(p);
      st.pages.set(p, true);
      for (const s of d.steps) st.bySeq.set(s.seq, s);
      // Steps removed by `tl gc` leave holes: mark them so they do not load forever.
      for (let q = p * PAGE + 1; q <= Math.min((p + 1) * PAGE, d.total_steps); q++) if (!st.bySeq.has(q)) st.bySeq.set(q, { seq: q, gone: true });
      trimCache();
      paint();
    }).catch((e) => { st.loading.delete(p); showError(e); });
  }
  function trimCache() {
    // Keep at most ~60 pages of steps in memory: the page, not the session, is the unit.
    if (st.pages.size <= 60) return;
    const keep = new Set(visiblePages());
    for (const p of [...st.pages.keys()]) {
      if (st.pages.size <= 40) break;
      if (keep.has(p)) continue;
      st.pages.delete(p);
      for (let q = p * PAGE + 1; q <= (p + 1) * PAGE; q++) st.bySeq.delete(q);
    }
  }
  function loadMoreFiltered() {
    if (st.done || st.loading.has('f')) return;
    st.loading.add('f');
    const key = `${st.filter}|${st.kind}`;
    api(`/api/sessions/${encodeURIComponent(id)}/steps`, {
      from: st.next, limit: 200, anomalies_only: st.filter === 'flagged' ? 'true' : '', kinds: st.kind,
    }).then((d) => {
      st.loading.delete('f');
      if (key !== `${st.filter}|${st.kind}`) return;
      st.items.push(...d.steps);
      if (d.next == null) { st.done = true; st.next = (st.items.length ? st.items[st.items.length - 1].seq : 0) + 1; } else st.next = d.next;
      paint();
    }).catch((e) => { st.loading.delete('f'); showError(e); });
  }

  // Scroll geometry: lists taller than MAX_PX are mapped linearly onto MAX_PX.
  function geometry() {
    const vh = list.clientHeight || 600;
    const full = count() * RH;
    const virt = Math.min(full, MAX_PX);
    return { vh, full, virt, maxScroll: Math.max(1, virt - vh), fullMax: Math.max(0, full - vh) };
  }
  function visibleRange() {
    const g = geometry();
    const pos = g.full > g.virt ? (list.scrollTop / g.maxScroll) * g.fullMax : list.scrollTop;
    const first = Math.max(0, Math.floor(pos / RH));
    return { first, offset: pos - first * RH, n: Math.ceil(g.vh / RH) + 2, g };
  }
  function visiblePages() {
    const { first, n } = visibleRange();
    const out = [];
    for (let p = Math.floor(first / PAGE); p <= Math.floor((first + n) / PAGE); p++) out.push(p);
    return out;
  }
  function scrollToIndex(i, center) {
    const g = geometry();
    let pos = i * RH - (center ? g.vh / 2 - RH / 2 : 0);
    const cur = visibleRange();
    if (!center && i >= cur.first + 1 && i < cur.first + cur.n - 3) return;
    if (!center && i >= cur.first + cur.n - 3) pos = (i + 1) * RH - g.vh + 4;
    pos = Math.max(0, Math.min(g.fullMax, pos));
    st.programmatic = true;
    list.scrollTop = g.full > g.virt ? (pos / Math.max(1, g.fullMax)) * g.maxScroll : pos;
    paint();
  }

  function paint() {
    if (st.destroyed) return;
    const { first, offset, n, g } = visibleRange();
    spacer.style.height = `${g.virt}px`;
    const total = count();
    const want = new Set();
    for (let i = first; i < Math.min(total, first + n); i++) {
      want.add(i);
      const s = rowAt(i);
      if (!s) {
        if (filtered()) loadMoreFiltered(); else loadPage(Math.floor(i / PAGE));
      }
      let e = rowEls.get(i);
      const sig = s ? `${s.seq}|${s.outcome}|${s.risk_level}|${s.duration_ms}|${st.sel === s.seq}|${s.gone ? 1 : 0}` : 'loading';
      if (!e || e.dataset.sig !== sig) {
        const ne = renderRow(s, i);
        ne.dataset.sig = sig;
        if (e) e.replaceWith(ne); else list.append(ne);
        e = ne;
        rowEls.set(i, e);
      }
      e.style.top = `${list.scrollTop - offset + (i - first) * RH}px`;
    }
    for (const [i, e] of rowEls) if (!want.has(i)) { e.remove(); rowEls.delete(i); }
  }

  function renderRow(s, i) {
    if (!s) return h('div', { class: 'row loading' }, h('span', { class: 'seq' }, filtered() ? '' : `#${i + 1}`), h('span', { class: 'sum' }, 'loading…'));
    if (s.gone) return h('div', { class: 'row loading' }, h('span', { class: 'seq' }, `#${s.seq}`), h('span', { class: 'sum' }, '(removed by tl gc)'));
    const sev = sevOf(s.risk_level);
    const w = s.duration_ms == null ? 0 : Math.max(2, Math.min(50, (Math.log10(s.duration_ms + 1) / 5) * 50));
    const e = h('div', {
      class: `row ${sev}${st.sel === s.seq ? ' sel' : ''}${st.fresh.has(s.seq) ? ' fresh' : ''}`, 'data-seq': s.seq,
      onclick: () => openStep(s.seq),
    },
    h('span', { class: 'seq' }, `#${s.seq}`),
    h('span', { class: 'time', title: s.timestamp }, fmtClock(s.timestamp)),
    h('span', { class: 'dur', title: s.duration_ms == null ? 'instant' : fmtDuration(s.duration_ms) }, w ? h('i', { style: `width:${w}px` }) : null),
    h('span', { class: 'durt' }, fmtDuration(s.duration_ms)),
    kindChip(s.event_type),
    h('span', { class: 'sum', title: s.summary }, s.summary),
    s.outcome && s.outcome !== 'ok' ? h('span', { class: `out o-${s.outcome}` }, s.outcome === 'pending' ? '…' : s.outcome) : null,
    ...(s.anomalies || []).slice(0, 1).map((f) => h('span', { class: `badge ${f.severity}`, title: f.message }, f.rule)),
    (s.anomalies || []).length > 1 ? h('span', { class: 'badge plus', title: s.anomalies.slice(1).map((f) => `${f.rule}: ${f.message}`).join('\n') }, `+${s.anomalies.length - 1}`) : null);
    st.fresh.delete(s.seq);
    return e;
  }

  function showError(e) {
    if (!$('.error', head)) head.append(h('div', { class: 'error' }, e.message));
  }

  // --- header, flags, stats ---
  function renderHead() {
    const s = st.session;
    const t = s.tokens || {};
    head.replaceChildren(
      h('h1', {}, h('span', { class: `agent ${s.agent}` }, s.agent), h('span', { class: 'ttl' }, project(s.cwd) || s.id),
        s.title ? h('span', { class: 'dim ttl', title: s.title }, s.title) : null, h('span', { class: 'sid', title: s.id }, shortId(s.id)),
        h('span', { class: st.es && st.liveOk ? 'live' : 'live off', id: 'live', title: 'New steps appear as they are recorded' }, st.es && st.liveOk ? 'live' : 'not live')),
      h('div', { class: 'facts' },
        h('span', {}, 'started ', h('b', {}, fmtDate(s.started_at))),
        h('span', {}, 'lasted ', h('b', {}, fmtDuration(s.duration_ms))),
        h('span', {}, h('b', { id: 'total-steps' }, s.total_steps.toLocaleString()), ' steps'),
        h('span', {}, sevCounts(s.anomalies)),
        h('span', {}, 'tokens ', h('b', {}, fmtCount((t.input || 0) + (t.cache_read || 0) + (t.cache_write || 0))), ' in / ', h('b', {}, fmtCount(t.output || 0)), ' out'),
        h('span', {}, 'cost ', h('b', {}, fmtCost(s.cost_usd, s.cost_complete))),
        s.cwd ? h('span', { class: 'mono' }, s.cwd, s.git_branch ? h('span', { class: 'faint' }, ` (${s.git_branch})`) : null) : null));
    crumbs(h('a', { href: '#/' }, 'sessions'), h('span', { class: 'mono' }, shortId(s.id)), st.detailSeq ? h('span', { class: 'mono' }, `#${st.detailSeq}`) : null);
  }
  function loadFlags() {
    api(`/api/sessions/${encodeURIComponent(id)}/flags`).then((d) => {
      st.flags = d.flags.map(([seq, sev]) => ({ seq, sev }));
      flagCount.textContent = st.flags.length ? `${st.flags.length}${d.complete ? '' : '+'} flagged` : 'no findings';
      prevBtn.disabled = nextBtn.disabled = !st.flags.length;
    }).catch(showError);
  }
  function jumpFinding(dir) {
    if (!st.flags.length) return;
    const cur = st.sel || (dir > 0 ? 0 : Infinity);
    const f = dir > 0 ? st.flags.find((x) => x.seq > cur) : [...st.flags].reverse().find((x) => x.seq < cur);
    const target = f || (dir > 0 ? st.flags[0] : st.flags[st.flags.length - 1]);
    openStep(target.seq, true);
  }
  function toggleStats(force) {
    st.statsOpen = force ?? !st.statsOpen;
    statsEl.hidden = !st.statsOpen;
    statsBtn.classList.toggle('on', st.statsOpen);
    if (st.statsOpen) loadStats();
    paint();
  }
  function loadStats() {
    statsEl.replaceChildren(h('span', { class: 'dim' }, 'loading stats…'));
    api(`/api/sessions/${encodeURIComponent(id)}/stats`).then((d) => {
      const max = Math.max(1, ...d.steps_by_kind.map((k) => k.steps));
      statsEl.replaceChildren(
        h('div', {}, h('h3', {}, 'Steps by kind'), h('div', { class: 'bars' }, d.steps_by_kind.flatMap((k) => [
          h('span', {}, kindChip(k.kind), ' ', h('span', { class: 'dim' }, k.kind.toLowerCase())),
          h('div', { class: 'bar', style: `width:${(k.steps / max) * 100}%` }), h('span', { class: 'n' }, k.steps.toLocaleString())])),
        h('div', { class: 'dim', style: 'margin-top:6px' }, `${d.actions.toLocaleString()} actions, ${d.errors.toLocaleString()} failed`)),
        h('div', {}, h('h3', {}, 'Tokens and cost over time'), usageChart(d.usage),
          h('div', { class: 'legend' }, h('span', {}, h('i', { style: 'background:#3b6ea5' }), 'input (incl. cache)'),
            h('span', {}, h('i', { style: 'background:#7ee787' }), 'output'), h('span', {}, h('i', { style: 'background:#e9c46a;height:2px' }), 'cost, cumulative'),
            d.usage_complete ? null : h('span', {}, '(first 200k model turns)'))));
    }).catch((e) => statsEl.replaceChildren(h('div', { class: 'error' }, e.message)));
  }

  // --- selection and detail ---
  function openStep(seq, center) {
    go(`#/s/${encodeURIComponent(id)}/${seq}`, st.detailSeq != null);
    if (center) { const i = indexOfSeq(seq); if (i != null) scrollToIndex(i, true); }
  }
  function select(seq, center) {
    st.sel = seq;
    const i = indexOfSeq(seq);
    if (i != null) scrollToIndex(i, center);
    paint();
  }
  function moveSel(delta) {
    const cur = st.sel == null ? null : indexOfSeq(st.sel);
    let i = cur == null ? visibleRange().first : cur + delta;
    i = Math.max(0, Math.min(count() - 1, i));
    const s = rowAt(i);
    if (s && !s.gone) { st.sel = s.seq; scrollToIndex(i, false); paint(); if (st.detailSeq != null) openStep(s.seq); }
    else if (!filtered()) { st.sel = i + 1; scrollToIndex(i, false); paint(); }
  }
  function showDetail(seq) {
    st.detailSeq = seq;
    detail.hidden = false;
    detail.replaceChildren(h('div', { class: 'dhead' }, h('span', { class: 'dim' }, `loading step #${seq}…`)));
    if (st.session) renderHead();
    api(`/api/sessions/${encodeURIComponent(id)}/steps/${seq}`).then((d) => {
      if (st.detailSeq !== seq) return;
      detail.replaceChildren(...stepDetail(d, () => go(`#/s/${encodeURIComponent(id)}`)));
      paint();
    }).catch((e) => detail.replaceChildren(h('div', { class: 'error' }, e.message)));
  }

  // --- live tail ---
  function setFollow(on) {
    st.follow = on;
    followBtn.classList.toggle('on', on);
    if (on && !filtered()) scrollToIndex(Math.max(0, st.total - 1), false);
  }
  function startLive() {
    const url = `/api/sessions/${encodeURIComponent(id)}/live?token=${encodeURIComponent(TOKEN)}&after=${st.total}`;
    const es = new EventSource(url);
    st.es = es;
    es.onopen = () => { st.liveOk = true; renderHead(); };
    es.onerror = () => { st.liveOk = false; renderHead(); };
    es.addEventListener('step', (ev) => {
      const s = JSON.parse(ev.data);
      const known = st.bySeq.has(s.seq);
      st.bySeq.set(s.seq, s);
      if (s.seq > st.total) { st.total = s.seq; if (st.session) { st.session.total_steps = s.seq; } }
      if (!known) st.fresh.add(s.seq);
      if (filtered()) {
        const at = st.items.findIndex((x) => x.seq === s.seq);
        if (at >= 0) st.items[at] = s;
        else if (st.done && (st.filter !== 'flagged' || sevOf(s.risk_level)) && (!st.kind || st.kind === s.event_type)) st.items.push(s);
      }
      if (st.detailSeq === s.seq) showDetail(s.seq);
      if (sevOf(s.risk_level) && !st.flags.some((f) => f.seq === s.seq)) { st.flags.push({ seq: s.seq, sev: s.risk_level }); st.flags.sort((a, b) => a.seq - b.seq); flagCount.textContent = `${st.flags.length} flagged`; prevBtn.disabled = nextBtn.disabled = false; }
      const tot = $('#total-steps', head); if (tot) tot.textContent = st.total.toLocaleString();
      if (st.follow) scrollToIndex(count() - 1, false); else paint();
    });
    es.addEventListener('session', (ev) => {
      st.session = JSON.parse(ev.data);
      st.total = Math.max(st.total, st.session.total_steps);
      renderHead();
      paint();
    });
  }

  api(`/api/sessions/${encodeURIComponent(id)}`).then((d) => {
    st.session = d.session;
    st.total = d.session.total_steps;
    renderHead();
    paint();
    loadFlags();
    startLive();
    if (st.pendingSeq != null) { select(st.pendingSeq, true); st.pendingSeq = null; }
  }).catch((e) => { head.replaceChildren(h('div', { class: 'error' }, e.message)); crumbs(h('a', { href: '#/' }, 'sessions')); });

  return {
    el,
    route(r) {
      if (r.seq) {
        if (st.session) select(r.seq, st.detailSeq == null); else st.pendingSeq = r.seq;
        showDetail(r.seq);
      } else {
        st.detailSeq = null;
        detail.hidden = true;
        detail.replaceChildren();
        if (st.session) renderHead();
        paint();
      }
      list.focus({ preventScroll: true });
    },
    destroy() { st.destroyed = true; if (st.es) st.es.close(); },
    onKey(e) {
      switch (e.key) {
        case 'j': case 'ArrowDown': moveSel(1); break;
        case 'k': case 'ArrowUp': moveSel(-1); break;
        case 'Enter': if (st.sel != null) openStep(st.sel); break;
        case 'Escape': if (st.detailSeq != null) go(`#/s/${encodeURIComponent(id)}`); else go('#/'); break;
        case 'n': jumpFinding(1); break;
        case 'N': jumpFinding(-1); break;
        case 'g': if (count()) { const s = rowAt(0); st.sel = s ? s.seq : 1; scrollToIndex(0, false); paint(); } break;
        case 'G': if (count()) { const i = count() - 1; const s = rowAt(i); st.sel = s ? s.seq : i + 1; scrollToIndex(i, false); paint(); } break;
        case 'f': setFollow(!st.follow); break;
        case 's': toggleStats(); break;
        case 'PageDown': list.scrollTop += list.clientHeight - RH; break;
        case 'PageUp': list.scrollTop -= list.clientHeight - RH; break;
        default: return false;
      }
      return true;
    },
  };
}

function usageChart(usage) {
  const NS = 'http://www.w3.org/2000/svg';
  const s = (tag, attrs, text) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text != null) e.textContent = text;
    return e;
  };
  const W = 600, H = 150, L = 44, R = 48, T = 8, B = 20;
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': 'tokens and cost over time' });
  const total = usage.reduce((a, u) => a + u.input + u.output, 0);
  if (!total) {
    svg.append(s('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle' }, 'no token usage recorded (Claude Code and Codex report it in their transcripts: tl import)'));
    return svg;
  }
  const maxT = Math.max(1, ...usage.map((u) => u.input + u.output));
  let cum = 0;
  const cums = usage.map((u) => (cum += u.cost_usd));
  const maxC = Math.max(1e-9, cum);
  const bw = (W - L - R) / usage.length;
  const y = (v) => T + (H - T - B) * (1 - v / maxT);
  svg.append(s('line', { class: 'axis', x1: L, y1: H - B, x2: W - R, y2: H - B }));
  usage.forEach((u, i) => {
    const x = L + i * bw + 0.5;
    const hIn = (H - T - B) * (u.input / maxT), hOut = (H - T - B) * (u.output / maxT);
    if (u.input) svg.append(s('rect', { class: 'in', x, y: H - B - hIn, width: Math.max(1, bw - 1), height: hIn }));
    if (u.output) svg.append(s('rect', { class: 'outp', x, y: H - B - hIn - hOut, width: Math.max(1, bw - 1), height: hOut }));
  });
  const pts = cums.map((c, i) => `${L + (i + 0.5) * bw},${T + (H - T - B) * (1 - c / maxC)}`).join(' ');
  svg.append(s('polyline', { class: 'cost', points: pts }));
  svg.append(s('text', { x: L - 4, y: y(maxT) + 8, 'text-anchor': 'end' }, fmtCount(maxT)));
  svg.append(s('text', { x: L - 4, y: H - B, 'text-anchor': 'end' }, '0'));
  svg.append(s('text', { x: W - R + 4, y: T + 8 }, fmtCost(maxC)));
  svg.append(s('text', { x: L, y: H - 5 }, fmtClock(usage[0].at)));
  svg.append(s('text', { x: W - R, y: H - 5, 'text-anchor': 'end' }, fmtClock(usage[usage.length - 1].at)));
  return svg;
}

// The step detail pane's content.
function stepDetail(d, onClose) {
  const sev = sevOf(d.risk_level);
  const kv = h('dl', { class: 'kv' });
  const put = (k, v) => { if (v != null && v !== '' && !(Array.isArray(v) && !v.length)) kv.append(h('dt', {}, k), h('dd', {}, Array.isArray(v) ? v.join('\n') : String(v))); };
  put('tool', d.tool); put('outcome', d.outcome); put('exit code', d.exit_code);
  put('started', d.timestamp); put('duration', d.duration_ms == null ? null : fmtDuration(d.duration_ms));
  put('cwd', d.cwd); put('paths', d.paths); put('url', d.url); put('query', d.query);
  put('mcp', d.mcp ? `${d.mcp.server} / ${d.mcp.tool}` : null); put('model', d.model);
  if (d.tokens) put('tokens', `${d.tokens.input} in, ${d.tokens.output} out, ${d.tokens.cache_read} cache read, ${d.tokens.cache_write} cache write`);
  put('http status', d.http_status); put('subagent', d.subagent_id); put('sources', d.sources);

  const sections = [];
  if (d.anomalies && d.anomalies.length) {
    sections.push(h('div', { class: 'section', id: 'findings' }, h('h3', {}, 'Findings'),
      d.anomalies.map((f) => h('div', { class: `finding ${f.severity}` },
        h('div', {}, h('span', { class: `badge ${f.severity}` }, f.severity), ' ', h('span', { class: 'rule' }, f.rule), ' ', h('span', {}, f.message)),
        f.evidence ? h('div', { class: 'ev' }, 'matched: ', f.evidence) : null))));
  }
  if (d.command) sections.push(h('div', { class: 'section' }, h('h3', {}, 'Command'), h('pre', { class: 'body cmd' }, d.command)));
  sections.push(h('div', { class: 'section' }, h('h3', {}, 'Step'), kv));
  const seen = new Set();
  for (const rec of d.records || []) {
    if (rec.missing) { sections.push(h('div', { class: 'rec' }, `record ${rec.lsn}: no longer in the log (tl gc)`)); continue; }
    const parts = [];
    const f = rec.fields || {};
    const cut = new Set(rec.truncated || []);
    const note = (name) => (cut.has(name) ? h('span', { class: 'note trunc' }, `first ${Math.round(d.body_max_bytes / 1024)} KiB shown; the rest is in the log (tl inspect --step ${d.seq})`) : null);
    const body = (title, text, cls, name) => {
      if (!text || !String(text).trim() || seen.has(text)) return;
      seen.add(text);
      parts.push(h('div', { class: 'section' }, h('h3', {}, title, note(name)), h('pre', { class: `body ${cls || ''}` }, text)));
    };
    const textTitle = { USER_INPUT: 'Prompt', ASSISTANT_TEXT: 'Assistant', AGENT_THINK: 'Thinking', STOP: 'Final answer' }[rec.kind] || 'Description';
    body(textTitle, f.text, 'text', 'text');
    if (rec.diff) {
      const pre = h('pre', { class: 'body diff' });
      for (const line of rec.diff.split('\n')) {
        if (!line) continue;
        pre.append(h('span', { class: line[0] === '+' ? 'add' : line[0] === '-' ? 'del' : 'hunk' }, line));
      }
      parts.push(h('div', { class: 'section' }, h('h3', {}, 'Change'), pre));
    }
    body('Output', f.output, '', 'output');
    body('Stderr', f.stderr, 'stderr', 'stderr');
    body('Error', f.error, 'stderr', 'error');
    const raw = typeof rec.raw === 'string' ? rec.raw : JSON.stringify(rec.raw, null, 2);
    parts.push(h('details', { class: 'raw section' }, h('summary', {}, `raw payload · ${rec.source} · ${rec.phase} · ${rec.kind}`, note('raw')), h('pre', { class: 'body' }, raw)));
    sections.push(h('div', { class: 'rec' }, `record ${rec.lsn} · ${rec.source} · ${rec.phase} · ${fmtClock(rec.timestamp)}`), ...parts);
  }
  return [
    h('div', { class: 'dhead' },
      h('div', { class: 'line1' }, kindChip(d.event_type), h('span', { class: 'mono' }, `step #${d.seq}`), h('span', { class: 'mono' }, fmtClock(d.timestamp)),
        sev ? h('span', { class: `badge ${sev}` }, sev) : null,
        d.outcome !== 'ok' ? h('span', { class: `out o-${d.outcome}` }, d.outcome) : null,
        h('button', { class: 'close', title: 'Close (Esc)', onclick: onClose }, '✕')),
      h('h2', {}, d.summary)),
    h('div', { class: 'dbody', id: 'step-body' }, sections),
  ];
}

// ---------- search ----------

function searchView(r) {
  const q = r.params.get('q') || '';
  const session = r.params.get('session') || '';
  crumbs(h('a', { href: '#/' }, 'sessions'), h('span', {}, 'search'));
  $('#q').value = q;
  const st = { hits: [], sel: 0, offset: 0, done: false };
  const count = h('span', { class: 'count' });
  const hits = h('div', { class: 'hits', id: 'hits' });
  const more = h('button', { onclick: () => load() }, 'more');
  const moreWrap = h('div', { class: 'more', hidden: true }, more);
  const el = h('div', { style: 'display:contents' },
    h('div', { class: 'toolbar' }, h('span', {}, 'Steps matching ', h('code', {}, q || '(nothing)'), session ? h('span', { class: 'dim' }, ` in ${shortId(session)}`) : null), h('span', { class: 'grow' }), count),
    hits, moreWrap);
  function link(hit) { return `#/s/${encodeURIComponent(hit.session)}/${hit.seq}`; }
  function load() {
    api('/api/search', { q, session, limit: 50, offset: st.offset }).then((d) => {
      for (const hit of d.hits) {
        const sev = sevOf(hit.risk_level);
        const snip = h('div', { class: 'snip' });
        for (const [text, m] of hit.snippet_parts || []) snip.append(m ? h('mark', {}, text) : text);
        hits.append(h('a', { class: `hit ${sev}`, href: link(hit) },
          h('div', { class: 'l1' }, h('span', { class: 'where' }, `${shortId(hit.session)} #${hit.seq}`), h('span', { class: 'when' }, fmtDate(hit.timestamp)),
            kindChip(hit.event_type), h('span', { class: 'sum' }, hit.summary), ...(hit.anomalies || []).map((rule) => h('span', { class: `badge ${sev || 'info'}` }, rule))),
          snip.childNodes.length ? snip : null));
      }
      st.hits.push(...d.hits);
      st.offset += d.hits.length;
      st.done = d.hits.length < d.limit;
      moreWrap.hidden = st.done;
      count.textContent = `${st.hits.length}${st.done ? '' : '+'} hit${st.hits.length === 1 ? '' : 's'}`;
      if (!st.hits.length) hits.append(h('div', { class: 'empty' }, h('h2', {}, 'No step matches'), h('div', {}, 'Words match whole words; try fewer words, or a field filter such as kind:FILE_READ.')));
      select(st.sel);
    }).catch((e) => hits.append(h('div', { class: 'error' }, e.message)));
  }
  function select(i) {
    const els = hits.querySelectorAll('.hit');
    if (!els.length) return;
    st.sel = Math.max(0, Math.min(els.length - 1, i));
    els.forEach((e, j) => e.classList.toggle('sel', j === st.sel));
    els[st.sel].scrollIntoView({ block: 'nearest' });
  }
  if (q) load(); else hits.append(h('div', { class: 'empty' }, 'Type a query in the search box.'));
  return {
    el,
    onKey(e) {
      if (e.key === 'j' || e.key === 'ArrowDown') select(st.sel + 1);
      else if (e.key === 'k' || e.key === 'ArrowUp') select(st.sel - 1);
      else if (e.key === 'Enter' && st.hits[st.sel]) go(link(st.hits[st.sel]));
      else if (e.key === 'Escape') history.back();
      else return false;
      return true;
    },
  };
}

// ---------- global keys and search box ----------

$('#searchform').addEventListener('submit', (e) => {
  e.preventDefault();
  const q = $('#q').value.trim();
  if (!q) return;
  const p = new URLSearchParams({ q });
  go(`#/search?${p}`);
  $('#q').blur();
});
$('#helpbtn').addEventListener('click', () => { $('#help').hidden = !$('#help').hidden; });
$('#help').addEventListener('click', () => { $('#help').hidden = true; });
document.addEventListener('keydown', (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement || e.target instanceof HTMLTextAreaElement;
  if (typing) {
    if (e.key === 'Escape') e.target.blur();
    return;
  }
  if (!$('#help').hidden) { if (e.key === 'Escape' || e.key === '?') $('#help').hidden = true; return; }
  if (e.key === '/') { e.preventDefault(); $('#q').focus(); $('#q').select(); return; }
  if (e.key === '?') { $('#help').hidden = false; return; }
  if (view && view.onKey && view.onKey(e)) e.preventDefault();
});

route();
