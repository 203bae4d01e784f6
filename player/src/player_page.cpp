#include "player_page.h"

namespace player {

std::string escape_html(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

// JSON inside <script>: "</script>" or "<!--" in a value must not end the element.
std::string escape_script(std::string_view json) {
  std::string out;
  for (char c : json) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

namespace {

// The page script. The SCO runs in the iframe and finds window.API (1.2) or
// window.API_1484_11 (2004) on this page. scorm-again answers its calls locally and
// commits to the server: LMSCommit/Commit as a JSON XHR, the terminate commit as a
// sendBeacon (text/plain), both carrying commitSequence. Moving to another SCO reloads
// the page (a new session); the old SCO is unloaded first so its terminate commit leaves
// before the next launch asks the server for state.
constexpr const char* kScript = R"js(
(function () {
  var cfg = window.LRSB_CONFIG;
  var settings = {
    lmsCommitUrl: cfg.commitUrl,
    dataCommitFormat: 'json',
    includeCommitSequence: true,
    terminateCommitParam: 'terminate',
    autocommit: false,
    logLevel: 4
  };
  var api = cfg.cmi === '1.2' ? new Scorm12API(settings) : new Scorm2004API(settings);
  api.loadFromFlattenedJSON(cfg.preload, '');
  if (cfg.cmi === '1.2') { window.API = api; } else { window.API_1484_11 = api; }
  var state = { terminated: false, navRequest: '' };
  window.lrsbridge = { api: api, config: cfg, state: state };
  // What the server's sequencing allows from the current SCO (it refuses the rest too).
  var nav = cfg.navigation;
  function indexOf(id) {
    for (var i = 0; i < cfg.scos.length; i++) if (cfg.scos[i].identifier === id) return i;
    return -1;
  }
  function goTo(id) { if (id) go(indexOf(id)); }
  var me = cfg.scos[cfg.current].identifier;
  // Where to go once the SCO has ended: a post-condition rule's continue / previous /
  // retry overrides the SCO's request, exitAll ends the course, an exit rule makes
  // continue go on after the exited cluster; otherwise the SCO's request.
  function followRequest(n) {
    var req = state.navRequest;
    var after = n.after;
    if (after && after.request === 'exitAll') {
      document.body.setAttribute('data-course-ended', 'true');
      return;
    }
    if (after && after.target &&
        (after.request === 'continue' || after.request === 'previous' || after.request === 'retry')) {
      goTo(after.target);
    } else if (req === 'continue') {
      goTo(after && after.request === 'exit' ? after.target : n.next);
    } else if (req === 'previous') {
      goTo(n.previous);
    } else {
      var m = /^\{target=([^}]*)\}choice$/.exec(req);
      if (m && n.scos[m[1]] && n.scos[m[1]].enabled) goTo(m[1]);
    }
  }
  // The rules see the state the terminate commit (a beacon) leaves: ask until the server
  // has it, then decide; after 5 s decide with what the page knows.
  function awaitEnd(started) {
    fetch(cfg.statusUrl, { cache: 'no-store' }).then(function (r) {
      return r.ok ? r.json() : null;
    }).catch(function () { return null; }).then(function (p) {
      if (p && p.navigation && p.navigation.current === me && p.navigation.ended) {
        nav = p.navigation;
        showNavigation();
        showStatus(p);
        followRequest(nav);
      } else if (Date.now() - started < 5000) {
        setTimeout(function () { awaitEnd(started); }, 200);
      } else {
        followRequest(nav);
      }
    });
  }
  function onTerminate() {
    state.terminated = true;
    if (cfg.cmi === '1.2') return;
    try { state.navRequest = String(api.adl.nav.request || ''); } catch (e) {}
    if (nav.end_rules) { awaitEnd(Date.now()); } else { followRequest(nav); }
  }
  api.on(cfg.cmi === '1.2' ? 'LMSFinish' : 'Terminate', onTerminate);
  // Statuses change with commits (the terminate one goes by beacon, so ask again a
  // little later); the server rolls them up to the course.
  function showStatus(progress) {
    var course = document.getElementById('course-status');
    course.textContent = progress.course.status;
    course.setAttribute('data-status', progress.course.status);
    var items = document.querySelectorAll('#toc li');
    for (var i = 0; i < items.length; i++) {
      var st = progress.scos[items[i].getAttribute('data-sco')] || 'not attempted';
      items[i].setAttribute('data-status', st);
      items[i].querySelector('.status').textContent = st;
    }
  }
  function refreshStatus() {
    fetch(cfg.statusUrl, { cache: 'no-store' }).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (p) {
      if (!p) return;
      // Seen from the SCO launched last, which is this page's while it is open.
      if (p.navigation && p.navigation.current === me) {
        nav = p.navigation;
        showNavigation();
      }
      showStatus(p);
    }).catch(function () {});
  }
  api.on(cfg.cmi === '1.2' ? 'LMSCommit' : 'Commit', function () { setTimeout(refreshStatus, 200); });
  api.on(cfg.cmi === '1.2' ? 'LMSFinish' : 'Terminate', function () {
    setTimeout(refreshStatus, 300);
    setTimeout(refreshStatus, 1500);
  });
  var leaving = false;
  function go(index) {
    if (leaving || index < 0 || index >= cfg.scos.length) return;
    leaving = true;
    var frame = document.getElementById('content');
    var target = cfg.scos[index].url;
    var started = Date.now();
    frame.src = 'about:blank';
    (function wait() {
      if (state.terminated || Date.now() - started > 2000) {
        setTimeout(function () { window.location.href = target; }, 250);
      } else {
        setTimeout(wait, 50);
      }
    })();
  }
  window.lrsbridge.go = go;
  var mode = cfg.controlMode;
  var prev = document.getElementById('prev');
  var next = document.getElementById('next');
  var flow = mode.flow && cfg.scos.length > 1;
  prev.hidden = !flow || mode.forward_only;
  next.hidden = !flow;
  prev.onclick = function () { goTo(nav.previous); };
  next.onclick = function () { goTo(nav.next); };
  var toc = document.getElementById('toc');
  if (cfg.scos.length > 1) {
    cfg.scos.forEach(function (s, i) {
      var li = document.createElement('li');
      li.setAttribute('data-sco', s.identifier);
      var label = document.createElement('span');
      label.className = 'label';
      li.appendChild(label);
      var badge = document.createElement('span');
      badge.className = 'status';
      li.appendChild(document.createTextNode(' '));
      li.appendChild(badge);
      if (i === cfg.current) li.className = 'current';
      toc.appendChild(li);
    });
  } else {
    toc.hidden = true;
  }
  // The table of contents offers a link only where the sequencing allows a launch; the
  // reason for a closed entry is its tooltip.
  function showNavigation() {
    prev.disabled = !nav.previous;
    next.disabled = !nav.next;
    var items = document.querySelectorAll('#toc li');
    for (var i = 0; i < items.length; i++) {
      var id = items[i].getAttribute('data-sco');
      var entry = nav.scos[id] || { hidden: false, enabled: false };
      var label = items[i].querySelector('.label');
      var s = cfg.scos[indexOf(id)];
      items[i].hidden = entry.hidden;
      items[i].setAttribute('data-enabled', entry.enabled ? 'true' : 'false');
      items[i].title = entry.reason || '';
      label.textContent = '';
      if (indexOf(id) === cfg.current || !entry.enabled) {
        label.textContent = s.title;
      } else {
        var a = document.createElement('a');
        a.href = s.url;
        a.textContent = s.title;
        a.onclick = (function (target) {
          return function (ev) { ev.preventDefault(); goTo(target); };
        })(id);
        label.appendChild(a);
      }
    }
  }
  showNavigation();
  var initial = { course: cfg.course, scos: {} };
  cfg.scos.forEach(function (s) { initial.scos[s.identifier] = s.status; });
  showStatus(initial);
  document.getElementById('content').src = cfg.content;
})();
)js";

}  // namespace

std::string render_player_page(std::string_view title, std::string_view config_json) {
  std::string html;
  html += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>";
  html += escape_html(title);
  html += R"html(</title>
<style>
  html, body { margin: 0; height: 100%; font-family: sans-serif; }
  body { display: flex; flex-direction: column; }
  header { display: flex; gap: 1em; align-items: center; padding: .4em 1em; background: #234; color: #fff; }
  header h1 { font-size: 1.1em; margin: 0; flex: 1; }
  main { flex: 1; display: flex; min-height: 0; }
  #toc { width: 14em; margin: 0; padding: 1em 1em 1em 2em; background: #f3f3f3; overflow: auto; }
  #toc .current { font-weight: bold; }
  #toc .status, #course-status { font-size: .8em; color: #555; }
  #toc .status { display: block; }
  #toc [data-status=passed] .status, #toc [data-status=completed] .status { color: #161; }
  #toc [data-status=failed] .status { color: #a11; }
  #course-status { color: #ddd; }
  iframe { flex: 1; border: 0; }
</style>
<script src="/player/assets/scorm-again.min.js"></script>
</head><body>
<header><h1>)html";
  html += escape_html(title);
  html +=
      R"html(</h1><span>Course: <span id="course-status"></span></span><button id="prev" type="button">Previous</button><button id="next" type="button">Next</button></header>
<main><ol id="toc"></ol><iframe id="content" title="course"></iframe></main>
<script>window.LRSB_CONFIG = )html";
  html += escape_script(config_json);
  html += ";</script>\n<script>";
  html += kScript;
  html += "</script>\n</body></html>\n";
  return html;
}

}  // namespace player
