// Live console: the server says when something changed (Server-Sent Events); the page then fetches itself
// and swaps its main content. No framework, nothing fetched from anywhere but this server.
(function () {
  if (!document.body.dataset.live || !window.EventSource) return;
  var state = document.getElementById('live-state');
  var busy = false, again = false, opened = false;
  function editing() {
    var a = document.activeElement;
    return a && a !== document.body && /^(INPUT|SELECT|TEXTAREA)$/.test(a.tagName) && document.getElementById('main').contains(a);
  }
  function refresh() {
    if (busy || editing()) { again = true; return; }
    busy = true;
    fetch(location.href, { credentials: 'same-origin', headers: { 'X-Console-Refresh': '1' } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        busy = false;
        if (!html) return;
        var next = new DOMParser().parseFromString(html, 'text/html').getElementById('main');
        if (next) document.getElementById('main').innerHTML = next.innerHTML;
        state = document.getElementById('live-state');
        if (again) { again = false; refresh(); }
      })
      .catch(function () { busy = false; });
  }
  document.addEventListener('focusout', function () { if (again) setTimeout(refresh, 0); });
  var events = new EventSource('/console/events');
  events.addEventListener('open', function () { if (opened) refresh(); opened = true; if (state) state.textContent = 'live'; });
  events.addEventListener('change', refresh);
  events.addEventListener('end', function () { events.close(); if (state) state.textContent = 'session ended: reload to sign in'; });
  events.addEventListener('error', function () { if (state) state.textContent = 'reconnecting…'; });
})();
