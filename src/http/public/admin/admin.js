// The admin page: plain JavaScript, no build step. Talks to /admin/api/* with the token kept in
// sessionStorage (this tab only). Overview every 3 s; the open conversation and the failed list
// refresh with it.
(function () {
  'use strict';
  var TOKEN_KEY = 'wg-admin-token';
  var REFRESH_MS = 3000;
  var $ = function (id) {
    return document.getElementById(id);
  };
  var state = { sessionsPages: 0, sessionsCursor: null, failedCursor: null, selected: null, olderBefore: null, query: '', timer: null };

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  function api(path, options) {
    options = options || {};
    return fetch(path, { method: options.method || 'GET', headers: { authorization: 'Bearer ' + token() } }).then(function (res) {
      if (res.status === 401) {
        signOut('That token was not accepted.');
        throw new Error('unauthorized');
      }
      return res.json().then(function (body) {
        if (!res.ok) throw new Error(body && body.message ? body.message : 'HTTP ' + res.status);
        return body;
      });
    });
  }

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function ago(ms) {
    if (ms === null || ms === undefined) return '–';
    var s = Math.max(0, Math.round((Date.now() - ms) / 1000));
    return duration(s) + ' ago';
  }
  function duration(s) {
    if (s === null || s === undefined) return '–';
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min';
    if (s < 86400) return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
    return Math.floor(s / 86400) + ' d ' + Math.floor((s % 86400) / 3600) + ' h';
  }
  function time(ms) {
    var d = new Date(ms);
    var today = new Date().toDateString() === d.toDateString();
    return today
      ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
      : d.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
  }
  function bytes(n) {
    if (n === null || n === undefined) return '';
    var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) {
      n /= 1024;
      i++;
    }
    return (i ? n.toFixed(1) : n) + ' ' + units[i];
  }
  var toastTimer;
  function toast(text) {
    var t = $('toast');
    t.textContent = text;
    t.classList.add('show');
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () {
      t.classList.remove('show');
    }, 2500);
  }

  // --- sign in / out
  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    clearInterval(state.timer);
    $('app').hidden = true;
    $('logout').hidden = true;
    $('node').textContent = '';
    $('login-view').hidden = false;
    $('login-error').textContent = message || '';
    $('token').value = '';
    $('token').focus();
  }

  function signIn() {
    $('login-view').hidden = true;
    $('app').hidden = false;
    $('logout').hidden = false;
    refresh();
    clearInterval(state.timer);
    state.timer = setInterval(refresh, REFRESH_MS);
  }

  $('login').addEventListener('submit', function (ev) {
    ev.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
    api('/admin/api/overview').then(signIn, function () {});
  });
  $('logout').addEventListener('click', function () {
    signOut('');
  });

  // --- overview
  var STORE_NAMES = { sqlite: 'SQLite', redis: 'Redis', rediss: 'Redis (TLS)', memory: 'memory' };
  function card(key, label, value, sub, tone) {
    var c = el('div', 'card' + (tone ? ' ' + tone : ''));
    c.dataset.key = key;
    c.appendChild(el('div', 'label', label));
    c.appendChild(el('div', 'value', value));
    c.appendChild(el('div', 'sub', sub || '\u00a0'));
    return c;
  }

  function renderOverview(o) {
    $('node').textContent = 'node ' + o.node + ' · v' + o.version + ' · up ' + duration(o.uptimeSeconds);
    var conns = o.connections || {};
    var total = 0;
    var parts = [];
    Object.keys(conns).forEach(function (k) {
      total += conns[k];
      parts.push(k + ' ' + conns[k]);
    });
    var outbox = o.outbox || { pending: '–', failed: '–', oldestPendingAgeSeconds: null };
    var oldest = outbox.oldestPendingAgeSeconds;
    var cards = $('cards');
    cards.replaceChildren(
      card('connections', 'Live connections', total, parts.join(' · ') || 'none'),
      card('in', 'User → platform', o.messagesPerMinute.in, 'messages / min'),
      card('out', 'Platform → user', o.messagesPerMinute.out, 'messages / min'),
      card(
        'pending',
        'Outbox pending',
        outbox.pending,
        oldest === null ? 'nothing waiting' : 'oldest ' + duration(oldest),
        oldest !== null && oldest > 300 ? 'warn' : '',
      ),
      card('failed', 'Failed', outbox.failed, outbox.failed ? 'retry below' : 'none', outbox.failed ? 'bad' : ''),
      card('sessions', 'Sessions', o.sessions === null ? '–' : o.sessions, 'in the store'),
      card(
        'store',
        'Store',
        STORE_NAMES[o.store.kind] || o.store.kind,
        o.store.state + (o.store.bytes !== null ? ' · ' + bytes(o.store.bytes) : ''),
        o.store.state === 'ok' ? '' : 'bad',
      ),
      card('ready', 'Node', o.ready ? 'ready' : 'not ready', 'fanout ' + o.fanout.state, o.ready ? '' : 'bad'),
    );
    $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  }

  function refresh() {
    api('/admin/api/overview').then(renderOverview, function () {});
    // The list refreshes too, unless the operator has paged further than its first page.
    if (state.sessionsPages <= 1) loadSessions(false);
    loadFailed(false);
    if (state.selected) loadConversation(state.selected, false);
  }

  // --- sessions
  function sessionItem(s) {
    var li = el('li');
    li.dataset.urn = s.urn;
    li.tabIndex = 0;
    if (s.urn === state.selected) li.className = 'selected';
    li.appendChild(el('div', 'urn', s.urn));
    li.appendChild(el('div', 'when', ago(s.lastMessageAt || s.createdAt)));
    var facts = el('div', 'facts');
    if (s.liveConnections > 0) facts.appendChild(el('span', 'pill live', s.liveConnections + ' live'));
    if (s.undelivered > 0) facts.appendChild(el('span', 'pill pending', (s.undelivered >= 100 ? '100+' : s.undelivered) + ' undelivered'));
    if (s.outboxFailed > 0) facts.appendChild(el('span', 'pill failed', s.outboxFailed + ' failed'));
    else if (s.outboxPending > 0) facts.appendChild(el('span', 'pill pending', s.outboxPending + ' queued'));
    if (!facts.childNodes.length) facts.appendChild(el('span', 'pill', 'all delivered'));
    facts.appendChild(el('span', 'pill', 'since ' + time(s.createdAt)));
    li.appendChild(facts);
    var open = function () {
      selectSession(s.urn);
    };
    li.addEventListener('click', open);
    li.addEventListener('keydown', function (ev) {
      if (ev.key === 'Enter') open();
    });
    return li;
  }

  function loadSessions(more) {
    var q = state.query;
    var url =
      '/admin/api/sessions?limit=25' +
      (q ? '&q=' + encodeURIComponent(q) : '') +
      (more && state.sessionsCursor ? '&cursor=' + encodeURIComponent(state.sessionsCursor) : '');
    return api(url).then(
      function (page) {
        if (q !== state.query) return;
        var list = $('sessions');
        if (!more) list.replaceChildren();
        state.sessionsPages = more ? state.sessionsPages + 1 : 1;
        page.sessions.forEach(function (s) {
          list.appendChild(sessionItem(s));
        });
        state.sessionsCursor = page.nextCursor;
        $('sessions-more').hidden = !page.nextCursor;
        $('sessions-empty').hidden = list.childNodes.length > 0;
      },
      function (err) {
        toast(err.message);
      },
    );
  }

  var searchTimer;
  $('search').addEventListener('input', function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () {
      state.query = $('search').value.trim();
      state.sessionsCursor = null;
      loadSessions(false);
    }, 200);
  });
  $('sessions-more').addEventListener('click', function () {
    loadSessions(true);
  });

  // --- conversation
  var TICKS = { sent: '✓✓', delivered: '✓✓', waiting: '✓', queued: '⏳', failed: '!' };
  var TICK_TITLES = {
    sent: 'accepted by the platform',
    delivered: 'received by the widget',
    waiting: 'stored; not yet received by a widget',
    queued: 'waiting for the platform',
    failed: 'not accepted by the platform',
  };

  // A file of the conversation as a link (opened in a new tab; only http(s) URLs become links).
  function fileLink(a) {
    var name = decodeURIComponent(String(a.url).split('?')[0].split('/').pop() || a.type);
    var link = el('a', 'file', a.type + ' · ' + name);
    if (/^https?:\/\//i.test(a.url)) {
      link.href = a.url;
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
    }
    return link;
  }

  function messageItem(m) {
    var li = el('li', 'msg ' + m.direction + ' ' + m.state);
    li.dataset.seq = m.seq;
    li.dataset.state = m.state;
    var bubble = el('div', 'bubble', m.text);
    (m.attachments || []).forEach(function (a) {
      bubble.appendChild(fileLink(a));
    });
    li.appendChild(bubble);
    if (m.quickReplies && m.quickReplies.length) {
      var r = el('div', 'replies');
      m.quickReplies.forEach(function (q) {
        r.appendChild(el('span', '', q));
      });
      li.appendChild(r);
    }
    var meta = el('div', 'meta');
    meta.appendChild(el('span', '', time(m.createdAt)));
    var tick = el('span', 'tick ' + m.state, TICKS[m.state] || '');
    tick.title = TICK_TITLES[m.state] || m.state;
    meta.appendChild(tick);
    meta.appendChild(el('span', '', TICK_TITLES[m.state] || m.state));
    if (m.state === 'queued' && m.attempts) meta.appendChild(el('span', '', '· attempt ' + m.attempts + (m.lastError ? ' (' + m.lastError + ')' : '')));
    if (m.state === 'failed') {
      if (m.lastError) meta.appendChild(el('span', '', '· ' + m.lastError));
      var b = el('button', 'retry', 'Retry');
      b.addEventListener('click', function () {
        retry(m.outboxId, b);
      });
      meta.appendChild(b);
    }
    li.appendChild(meta);
    return li;
  }

  function selectSession(urn) {
    state.selected = urn;
    Array.prototype.forEach.call($('sessions').children, function (li) {
      li.classList.toggle('selected', li.dataset.urn === urn);
    });
    loadConversation(urn, true);
    if (window.matchMedia('(max-width: 900px)').matches) $('conversation').scrollIntoView({ behavior: 'smooth' });
  }

  function loadConversation(urn, scroll) {
    return api('/admin/api/sessions/' + encodeURIComponent(urn) + '/messages').then(
      function (page) {
        if (state.selected !== urn) return;
        var s = page.session;
        $('conv-title').textContent = 'Conversation';
        $('conv-close').hidden = false;
        $('conv-meta').textContent =
          s.urn +
          ' · ' +
          (s.liveConnections ? s.liveConnections + ' live connection' + (s.liveConnections > 1 ? 's' : '') : 'offline') +
          ' · channel ' +
          s.channelUuid;
        var list = $('messages');
        var atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
        list.replaceChildren();
        page.messages.forEach(function (m) {
          list.appendChild(messageItem(m));
        });
        $('conv-empty').hidden = page.messages.length > 0;
        $('conv-empty').textContent = 'No messages yet.';
        state.olderBefore = page.nextBefore;
        $('conv-older').hidden = !page.nextBefore;
        if (scroll || atBottom) list.scrollTop = list.scrollHeight;
      },
      function (err) {
        if (err.message !== 'unauthorized') toast(err.message);
      },
    );
  }

  $('conv-older').addEventListener('click', function () {
    var urn = state.selected;
    if (!urn || !state.olderBefore) return;
    api('/admin/api/sessions/' + encodeURIComponent(urn) + '/messages?before=' + state.olderBefore).then(function (page) {
      var list = $('messages');
      var first = list.firstChild;
      page.messages.forEach(function (m) {
        list.insertBefore(messageItem(m), first);
      });
      state.olderBefore = page.nextBefore;
      $('conv-older').hidden = !page.nextBefore;
    });
  });

  $('conv-close').addEventListener('click', function () {
    state.selected = null;
    $('messages').replaceChildren();
    $('conv-meta').textContent = '';
    $('conv-close').hidden = true;
    $('conv-older').hidden = true;
    $('conv-empty').hidden = false;
    $('conv-empty').textContent = 'Pick a session to read its conversation.';
    Array.prototype.forEach.call($('sessions').children, function (li) {
      li.classList.remove('selected');
    });
  });

  // --- failed outbox
  function failedItem(e) {
    var li = el('li');
    li.dataset.id = e.id;
    li.appendChild(el('div', 'text', e.text));
    var why = el('div', 'why');
    why.appendChild(el('span', 'mono', e.urn));
    // attempts counts the calls that were retried; the one that failed it is one more.
    var tries = e.attempts + 1;
    why.appendChild(document.createTextNode(' · ' + time(e.createdAt) + ' · ' + tries + ' attempt' + (tries === 1 ? '' : 's') + ' · '));
    why.appendChild(el('span', 'err', e.lastError || 'failed'));
    li.appendChild(why);
    var b = el('button', 'retry', 'Retry');
    b.addEventListener('click', function () {
      retry(e.id, b);
    });
    li.appendChild(b);
    return li;
  }

  function loadFailed(more) {
    var url = '/admin/api/outbox?state=failed&limit=20' + (more && state.failedCursor ? '&cursor=' + encodeURIComponent(state.failedCursor) : '');
    return api(url).then(
      function (page) {
        var list = $('failed');
        if (!more) list.replaceChildren();
        page.entries.forEach(function (e) {
          list.appendChild(failedItem(e));
        });
        if (!more) state.failedCursor = page.nextCursor;
        else state.failedCursor = page.nextCursor;
        $('failed-more').hidden = !page.nextCursor;
        $('failed-empty').hidden = list.childNodes.length > 0;
      },
      function () {},
    );
  }
  $('failed-more').addEventListener('click', function () {
    loadFailed(true);
  });

  function retry(id, button) {
    button.disabled = true;
    button.textContent = 'Retrying…';
    api('/admin/api/outbox/' + encodeURIComponent(id) + '/retry', { method: 'POST' }).then(
      function () {
        toast('Queued again: it goes to the platform now.');
        refresh();
      },
      function (err) {
        button.disabled = false;
        button.textContent = 'Retry';
        toast(err.message);
      },
    );
  }

  // --- start
  if (token()) api('/admin/api/overview').then(signIn, function () {});
  else signOut('');
})();
