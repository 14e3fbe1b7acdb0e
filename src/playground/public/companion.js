// The companion page: plain JavaScript, no framework, no outside requests. Everything it
// shows comes from this page's own server (/api/...); it never sees a download URL.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const MB = 1024 * 1024;

  function formatBytes(n) {
    if (n < 1024) return n + ' B';
    if (n < MB) return (n / 1024).toFixed(1) + ' KB';
    return (n / MB).toFixed(1) + ' MB';
  }

  function el(tag, props, children) {
    const node = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v === undefined || v === null) continue;
        if (k === 'text') node.textContent = v;
        else if (k === 'className') node.className = v;
        else node.setAttribute(k, v);
      }
    }
    for (const c of children || []) node.append(c);
    return node;
  }

  function setResult(node, text, ok) {
    node.textContent = text;
    node.classList.toggle('ok', ok === true);
    node.classList.toggle('bad', ok === false);
  }

  // Changes carry X-Companion: other sites cannot send it without a CORS preflight we never grant.
  async function api(method, path, body, headers) {
    const init = { method, headers: Object.assign({ 'X-Companion': '1' }, headers || {}) };
    if (body !== undefined) {
      if (body instanceof Blob) init.body = body;
      else {
        init.body = JSON.stringify(body);
        init.headers['Content-Type'] = 'application/json';
      }
    }
    const res = await fetch(path, init);
    let data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
    if (!res.ok) throw new Error((data && data.error) || 'The server answered ' + res.status + '.');
    return data;
  }

  // ---- Playground status -------------------------------------------------------------
  // Re-rendered only on change, so screen readers do not announce it every second.
  let statusKey = null;
  async function refreshStatus() {
    const line = $('playground-status');
    try {
      const s = await api('GET', '/api/status');
      const pg = s.playground;
      const key = JSON.stringify(pg);
      if (key === statusKey) return;
      statusKey = key;
      line.textContent = '';
      if (pg.state === 'running' && pg.url) {
        line.append('The Agents Playground is running: ', el('a', { href: pg.url, target: '_blank', rel: 'noopener', text: 'open the Playground (Teams chat)' }), '.');
      } else if (pg.state === 'starting') {
        line.append('The Agents Playground is starting…');
      } else {
        line.append('The Agents Playground is not running: ' + (pg.reason || 'unknown reason') + '. Sending files needs it; the panels below work without it.');
      }
    } catch (e) {
      statusKey = null;
      line.textContent = 'The companion server is not answering (was npm start stopped?).';
    }
  }

  // ---- 1. Send a file ------------------------------------------------------------------
  function syncSourceFields() {
    const generated = $('source-generated').checked;
    $('generated-fields').hidden = !generated;
    $('disk-fields').hidden = generated;
  }

  async function sendFile(event) {
    event.preventDefault();
    const result = $('send-result');
    const button = $('send-button');
    const target = document.querySelector('input[name="target"]:checked').value;
    let request;
    if ($('source-disk').checked) {
      const file = $('file-input').files[0];
      if (!file) {
        setResult(result, 'Choose a file first.', false);
        $('file-input').focus();
        return;
      }
      const qs = new URLSearchParams({ name: file.name, target });
      request = () => api('POST', '/api/files?' + qs.toString(), file, { 'Content-Type': 'application/octet-stream' });
    } else {
      const name = $('gen-name').value.trim();
      const sizeMb = Number($('gen-size').value);
      if (name === '') {
        setResult(result, 'Type a file name.', false);
        $('gen-name').focus();
        return;
      }
      if (!Number.isFinite(sizeMb) || sizeMb < 0 || sizeMb > 1024) {
        setResult(result, 'The size must be between 0 and 1024 MB.', false);
        $('gen-size').focus();
        return;
      }
      request = () => api('POST', '/api/files/generate', { name, size: Math.round(sizeMb * MB), target });
    }
    button.disabled = true;
    setResult(result, 'Sending…');
    try {
      const sent = await request();
      const next = target === 'personal' ? ' Its card is in the Playground’s chat.' : ' Find the post in the Playground’s channel and use its “…” menu.';
      setResult(result, 'Sent “' + sent.name + '” (' + formatBytes(sent.size) + ') to ' + sent.where + '.' + next, true);
    } catch (e) {
      setResult(result, e.message, false);
    } finally {
      button.disabled = false;
    }
  }

  // ---- 2. To Do panel ------------------------------------------------------------------
  let todoVersion = null;
  const openLists = new Set();

  function downloadLink(list, task, a) {
    const qs = new URLSearchParams({ list: list.id, task: task.id, id: a.id });
    return el('a', { href: '/api/todo/attachment?' + qs.toString(), download: a.name, text: 'Download', 'aria-label': 'Download ' + a.name + ' from “' + task.title + '”' });
  }

  function renderTodo(snapshot) {
    // Uploads in progress.
    const uploads = $('uploads');
    uploads.textContent = '';
    if (snapshot.uploads.length === 0) uploads.append(el('p', { className: 'empty', text: 'None.' }));
    else {
      const ul = el('ul');
      for (const u of snapshot.uploads) {
        const label = u.name + ': ' + formatBytes(u.received) + ' of ' + formatBytes(u.size);
        ul.append(el('li', {}, [el('progress', { max: String(u.size), value: String(u.received), 'aria-label': label }), ' ', label]));
      }
      uploads.append(ul);
    }

    // Every attachment, newest first.
    const rows = [];
    for (const list of snapshot.lists) {
      for (const task of list.tasks) {
        for (const a of task.attachments) rows.push({ list, task, a });
      }
    }
    rows.sort((x, y) => (x.a.lastModifiedDateTime < y.a.lastModifiedDateTime ? 1 : -1));
    const attachments = $('attachments');
    attachments.textContent = '';
    if (rows.length === 0) attachments.append(el('p', { className: 'empty', text: 'No attachments yet.' }));
    else {
      const ul = el('ul', { className: 'attachment-list' });
      for (const { list, task, a } of rows) {
        ul.append(
          el('li', {}, [
            el('div', { className: 'attachment-head' }, [el('strong', { text: a.name }), ' (' + formatBytes(a.size) + ') ', downloadLink(list, task, a)]),
            el('div', { className: 'task-path', text: list.displayName + ' › ' + task.title }),
            el('div', { className: 'hash' }, [el('span', { className: 'hash-label', text: 'SHA-256 ' }), el('code', { text: a.sha256 })]),
          ]),
        );
      }
      attachments.append(el('p', { className: 'hint', text: rows.length + (rows.length === 1 ? ' attachment, newest first' : ' attachments, newest first') }), ul);
    }

    // Lists and tasks; open/closed state survives re-rendering.
    const lists = $('lists');
    lists.textContent = '';
    for (const list of snapshot.lists) {
      const open = list.tasks.filter((t) => t.status !== 'completed').length;
      const details = el('details', { 'data-list': list.id });
      if (openLists.has(list.id)) details.open = true;
      details.addEventListener('toggle', () => {
        if (details.open) openLists.add(list.id);
        else openLists.delete(list.id);
      });
      details.append(el('summary', { text: list.displayName + ' (' + list.tasks.length + ' tasks, ' + open + ' open)' }));
      const ul = el('ul', { className: 'tasks' });
      for (const task of list.tasks) {
        const li = el('li', {}, [el('span', { className: task.status === 'completed' ? 'task-done' : '', text: task.title }), ' ', el('span', { className: 'task-status', text: '(' + task.status + ')' })]);
        if (task.attachments.length > 0) {
          const inner = el('ul');
          for (const a of task.attachments) inner.append(el('li', {}, ['📎 ' + a.name + ' (' + formatBytes(a.size) + ') ', downloadLink(list, task, a)]));
          li.append(inner);
        }
        ul.append(li);
      }
      details.append(ul);
      lists.append(details);
    }
  }

  async function refreshTodo() {
    try {
      const snapshot = await api('GET', '/api/todo');
      if (snapshot.version !== todoVersion) {
        todoVersion = snapshot.version;
        renderTodo(snapshot);
      }
    } catch (e) {
      /* the status line says when the server is gone */
    }
  }

  // ---- 3. Network panel ----------------------------------------------------------------
  let networkKey = null;
  function renderNetwork(state) {
    const key = JSON.stringify(state);
    if (key === networkKey) return;
    networkKey = key;
    const select = $('bandwidth');
    if (document.activeElement !== select) select.value = state.bytesPerSecond === null ? '' : String(state.bytesPerSecond);
    const faults = $('faults');
    faults.textContent = '';
    if (state.faults.length === 0) {
      faults.append(el('p', { className: 'empty', text: 'No faults armed.' }));
      return;
    }
    const ul = el('ul', { className: 'faults' });
    for (const f of state.faults) {
      ul.append(el('li', {}, [f.label + ' — ', el('span', { className: f.done ? 'fired' : 'armed', text: f.done ? 'fired' : 'armed, waiting for the next upload chunk' })]));
    }
    faults.append(ul);
  }

  async function refreshNetwork() {
    try {
      renderNetwork(await api('GET', '/api/network'));
    } catch (e) {
      /* see refreshTodo */
    }
  }

  async function applyBandwidth(event) {
    event.preventDefault();
    const v = $('bandwidth').value;
    const result = $('network-result');
    try {
      renderNetwork(await api('PUT', '/api/network/bandwidth', { bytesPerSecond: v === '' ? null : Number(v) }));
      setResult(result, v === '' ? 'Bandwidth: unlimited.' : 'Bandwidth limited to ' + formatBytes(Number(v)) + '/s.', true);
    } catch (e) {
      setResult(result, e.message, false);
    }
  }

  async function armFault(kind, label) {
    const result = $('network-result');
    try {
      renderNetwork(await api('POST', '/api/network/faults', { kind }));
      setResult(result, 'Armed: ' + label + '.', true);
    } catch (e) {
      setResult(result, e.message, false);
    }
  }

  async function clearFaults() {
    const result = $('network-result');
    try {
      renderNetwork(await api('DELETE', '/api/network/faults'));
      setResult(result, 'All faults cleared.', true);
    } catch (e) {
      setResult(result, e.message, false);
    }
  }

  // ---- wiring --------------------------------------------------------------------------
  document.addEventListener('DOMContentLoaded', () => {
    for (const r of document.querySelectorAll('input[name="source"]')) r.addEventListener('change', syncSourceFields);
    syncSourceFields();
    $('send-form').addEventListener('submit', sendFile);
    $('bandwidth-form').addEventListener('submit', applyBandwidth);
    for (const b of document.querySelectorAll('button[data-fault]')) b.addEventListener('click', () => armFault(b.dataset.fault, b.textContent));
    $('faults-clear').addEventListener('click', clearFaults);

    const tick = () => Promise.all([refreshStatus(), refreshTodo(), refreshNetwork()]);
    void tick();
    setInterval(tick, 1000);
  });
})();
