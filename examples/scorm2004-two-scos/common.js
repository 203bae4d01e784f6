// Finds the SCORM 2004 API (window.API_1484_11) in this window or a parent, and ends
// the session once when the page goes away.
var sco = (function () {
  function findAPI(win) {
    for (var i = 0; win && i < 10; i++) {
      if (win.API_1484_11) return win.API_1484_11;
      if (win.parent === win) break;
      win = win.parent;
    }
    return null;
  }
  var api = findAPI(window);
  var done = false;
  var ok = !!api && api.Initialize('') === 'true';
  function terminate() {
    if (done || !ok) return;
    done = true;
    api.Terminate('');
  }
  window.addEventListener('pagehide', terminate);
  return {
    ok: ok,
    get: function (e) { return api.GetValue(e); },
    set: function (e, v) {
      if (api.SetValue(e, v) !== 'true') throw new Error(e + ': error ' + api.GetLastError());
    },
    commit: function () { return api.Commit(''); },
    terminate: terminate
  };
})();
