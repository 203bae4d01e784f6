// LRS Bridge shim for wrapped SCORM packages (embedded into each shim page by
// `lrsbridge wrap`; window.LRSBRIDGE_RELAY holds the page's configuration).
//
// The SCO runs in the frame below this page and finds this page's API object. Every call
// goes to the LMS's own API first and the SCO gets the LMS's answer unchanged; values the
// LMS accepted are mirrored to the bridge's relay: buffered, sent on Commit and Terminate,
// and whatever is left by sendBeacon when the page goes away. The bridge never decides an
// answer: when it is slow, down or refuses, the SCO and the LMS do not notice. Values the
// bridge has not acknowledged ride along with the next commit; values still unsent when
// the page is gone (or refused outright by the bridge) are dropped with a console warning.
(function () {
  'use strict';
  var config = window.LRSBRIDGE_RELAY;
  var v2004 = config.cmi === '2004';
  var n = v2004
    ? { api: 'API_1484_11', init: 'Initialize', fin: 'Terminate', get: 'GetValue',
      set: 'SetValue', commit: 'Commit', err: 'GetLastError', errStr: 'GetErrorString',
      diag: 'GetDiagnostic', id: 'cmi.learner_id', name: 'cmi.learner_name',
      entry: 'cmi.entry', mode: 'cmi.mode', credit: 'cmi.credit',
      values: ['cmi.launch_data', 'cmi.completion_threshold', 'cmi.scaled_passing_score'] }
    : { api: 'API', init: 'LMSInitialize', fin: 'LMSFinish', get: 'LMSGetValue',
      set: 'LMSSetValue', commit: 'LMSCommit', err: 'LMSGetLastError',
      errStr: 'LMSGetErrorString', diag: 'LMSGetDiagnostic', id: 'cmi.core.student_id',
      name: 'cmi.core.student_name', entry: 'cmi.core.entry', mode: 'cmi.core.lesson_mode',
      credit: 'cmi.core.credit',
      values: ['cmi.launch_data', 'cmi.student_data.mastery_score'] };

  function warn(message) {
    if (window.console && console.warn) console.warn('[lrsbridge relay] ' + message);
  }

  // SCORM RTE API discovery from this page's parent up, then the opener's chain; frames of
  // another origin are skipped (reading them throws).
  function search(win) {
    for (var i = 0; win && i < 500; i++) {
      try {
        if (win[n.api]) return win[n.api];
      } catch (e) { /* another origin */ }
      if (win.parent === win) return null;
      win = win.parent;
    }
    return null;
  }
  var lms = window.parent !== window ? search(window.parent) : null;
  if (!lms && window.opener) lms = search(window.opener);

  var pending = {};  // element -> value the LMS accepted and the bridge has not acknowledged
  var sequence = 0;
  var session = null;  // {attempt, session, token} once the bridge opened one
  var opened = false;
  var off = false;  // the bridge refused or lost this session: stop mirroring
  var flushWanted = false;  // a Commit or Terminate came before the session was open
  var terminateWanted = false;
  var terminated = false;
  var unloading = false;

  function enc(s) { return encodeURIComponent(s); }
  function relayUrl(path, extra) {
    return config.bridge + '/relay/' + enc(config.package) + path + '?key=' + enc(config.key) +
      '&lms=' + enc(config.lms) + (extra || '');
  }
  function post(url, body, keepalive) {
    return fetch(url, {
      method: 'POST', mode: 'cors', credentials: 'omit', keepalive: !!keepalive,
      headers: { 'Content-Type': 'text/plain;charset=UTF-8' }, body: JSON.stringify(body),
    }).then(function (res) {
      return res.text().then(function (text) {
        var parsed = null;
        try { parsed = JSON.parse(text); } catch (e) { /* not JSON */ }
        if (!res.ok) {
          var why = parsed && (parsed.errorMessage || (parsed.error && parsed.error.message));
          throw new Error('HTTP ' + res.status + (why ? ': ' + why : ''));
        }
        return parsed;
      });
    });
  }

  function acknowledge(body) {
    for (var k in body) {
      if (k !== 'commitSequence' && pending[k] === body[k]) delete pending[k];
    }
  }

  function flush(terminate) {
    if (off || !session) {
      flushWanted = true;
      if (terminate) terminateWanted = true;
      if (unloading && !off && Object.keys(pending).length) {
        warn('the page is closing before the bridge opened the session: values dropped');
      }
      return;
    }
    var body = {};
    var count = 0;
    for (var k in pending) { body[k] = pending[k]; count++; }
    if (!count && !terminate) return;
    sequence += 1;
    body.commitSequence = sequence;
    var url = relayUrl('/attempts/' + session.attempt + '/commit', '&token=' + enc(session.token) +
      '&session=' + session.session + (terminate ? '&terminate=true' : ''));
    if (unloading) {
      var sent = navigator.sendBeacon &&
        navigator.sendBeacon(url, new Blob([JSON.stringify(body)],
          { type: 'text/plain;charset=UTF-8' }));
      // Beacons are not answered and may arrive in any order: pending stays as it is, so a
      // later beacon (the terminate one) carries everything again.
      if (!sent) warn('the page is closing and the bridge could not be reached: ' + count + ' values dropped');
      return;
    }
    post(url, body, true).then(function (answer) {
      if (answer && answer.result === false) {
        acknowledge(body);
        warn('the bridge refused commit ' + body.commitSequence + ' (error ' + answer.errorCode +
          ': ' + answer.errorMessage + '); its values are dropped');
      } else {
        acknowledge(body);
      }
      var skipped = (answer && answer.skipped) || [];
      for (var i = 0; i < skipped.length; i++) {
        warn('the bridge skipped ' + skipped[i].element + ' (SCORM error ' +
          skipped[i].errorCode + ': ' + skipped[i].errorMessage + ')');
      }
    }, function (e) {
      if (/HTTP 4/.test(e.message)) {
        off = true;
        warn('the bridge refused this session (' + e.message + '); it is no longer mirrored');
      } else {
        warn('the bridge is unreachable (' + e.message + '); the values go again with the next commit');
      }
    });
  }

  function open() {
    opened = true;
    var get = function (element) { return String(lms[n.get](element)); };
    var info = {
      sco: config.sco, learner_id: get(n.id), learner_name: get(n.name), entry: get(n.entry),
      mode: get(n.mode), credit: get(n.credit), values: {},
    };
    for (var i = 0; i < n.values.length; i++) info.values[n.values[i]] = get(n.values[i]);
    // A successful read leaves the LMS's last error at 0, as Initialize left it, so the
    // SCO's GetLastError after Initialize sees what it would without the shim.
    get(n.id);
    post(relayUrl('/sessions'), info, false).then(function (answer) {
      session = answer;
      if (flushWanted) flush(terminateWanted);
    }, function (e) {
      off = true;
      warn('the bridge did not open a session (' + e.message + '); this session is not mirrored');
    });
  }

  // Runs the mirroring side of a call; nothing it does may reach the SCO.
  function quietly(action) {
    try { action(); } catch (e) { warn('relay error: ' + e.message); }
  }

  function forward(name) {
    return function () { return lms[name].apply(lms, arguments); };
  }

  if (lms) {
    var api = {};
    api[n.init] = function (param) {
      var result = lms[n.init](param);
      if (String(result) === 'true' && !opened) quietly(open);
      return result;
    };
    api[n.set] = function (element, value) {
      var result = lms[n.set](element, value);
      if (String(result) === 'true') quietly(function () { pending[String(element)] = String(value); });
      return result;
    };
    api[n.commit] = function (param) {
      var result = lms[n.commit](param);
      quietly(function () { flush(false); });
      return result;
    };
    api[n.fin] = function (param) {
      var result = lms[n.fin](param);
      quietly(function () {
        var done = String(result) === 'true' && !terminated;
        if (done) terminated = true;
        flush(done);
      });
      return result;
    };
    api[n.get] = forward(n.get);
    api[n.err] = forward(n.err);
    api[n.errStr] = forward(n.errStr);
    api[n.diag] = forward(n.diag);
    window[n.api] = api;
  } else {
    warn('no LMS API (' + n.api + ') found above this page; the course runs without one');
  }

  window.addEventListener('pagehide', function () {
    unloading = true;
    quietly(function () { flush(false); });
  });

  var frame = document.getElementById('sco');
  frame.src = config.content + window.location.search + window.location.hash;
})();
