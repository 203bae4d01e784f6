// A SCORM 1.2 SCO: answers are kept in suspend_data, the last question in
// lesson_location; Submit scores the quiz and records one interaction per question.
(function () {
  var correct = { q1: 'b', q2: 'a' };
  function findAPI(win) {
    for (var i = 0; win && i < 10; i++) {
      if (win.API) return win.API;
      if (win.parent === win) break;
      win = win.parent;
    }
    return window.opener ? window.opener.API : null;
  }
  var api = findAPI(window);
  var finished = false;
  var status = document.getElementById('status');
  if (!api || api.LMSInitialize('') !== 'true') {
    status.textContent = 'No LMS found';
    return;
  }
  var entry = api.LMSGetValue('cmi.core.entry');
  document.getElementById('entry').textContent = 'entry: ' + entry +
      ', learner: ' + api.LMSGetValue('cmi.core.student_name');
  if (entry === 'resume') {
    var saved = {};
    try { saved = JSON.parse(api.LMSGetValue('cmi.suspend_data') || '{}'); } catch (e) {}
    Object.keys(saved).forEach(function (q) {
      var input = document.getElementById(q + '-' + saved[q]);
      if (input) input.checked = true;
    });
  }
  function answers() {
    var out = {};
    ['q1', 'q2'].forEach(function (q) {
      var checked = document.querySelector('input[name=' + q + ']:checked');
      if (checked) out[q] = checked.value;
    });
    return out;
  }
  function finish() {
    if (finished) return;
    finished = true;
    api.LMSFinish('');
  }
  document.getElementById('suspend').onclick = function () {
    var a = answers();
    api.LMSSetValue('cmi.suspend_data', JSON.stringify(a));
    api.LMSSetValue('cmi.core.lesson_location', Object.keys(a).length ? 'q' + Object.keys(a).length : 'start');
    api.LMSSetValue('cmi.core.lesson_status', 'incomplete');
    api.LMSSetValue('cmi.core.exit', 'suspend');
    api.LMSSetValue('cmi.core.session_time', '00:01:00');
    api.LMSCommit('');
    finish();
    status.textContent = 'Saved. You can close this window.';
  };
  document.getElementById('submit').onclick = function () {
    var a = answers();
    var right = 0;
    ['q1', 'q2'].forEach(function (q, i) {
      var ok = a[q] === correct[q];
      if (ok) right++;
      var n = 'cmi.interactions.' + i + '.';
      api.LMSSetValue(n + 'id', q);
      api.LMSSetValue(n + 'type', 'choice');
      api.LMSSetValue(n + 'correct_responses.0.pattern', correct[q]);
      api.LMSSetValue(n + 'student_response', a[q] || '');
      api.LMSSetValue(n + 'result', ok ? 'correct' : 'wrong');
    });
    var score = Math.round(100 * right / 2);
    api.LMSSetValue('cmi.core.score.min', '0');
    api.LMSSetValue('cmi.core.score.max', '100');
    api.LMSSetValue('cmi.core.score.raw', String(score));
    api.LMSSetValue('cmi.core.lesson_status', score >= 50 ? 'passed' : 'failed');
    api.LMSSetValue('cmi.suspend_data', '');
    api.LMSSetValue('cmi.core.exit', '');
    api.LMSSetValue('cmi.core.session_time', '00:02:00');
    api.LMSCommit('');
    finish();
    status.textContent = 'Score: ' + score;
  };
  // Leaving the page ends the session like the buttons do (the runtime sends it as a beacon).
  window.addEventListener('pagehide', finish);
})();
