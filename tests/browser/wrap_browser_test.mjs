// The LMS plugin bridge in a real browser: headless Chromium (playwright-core) against the
// real lrsbridge binary and a fake LMS on its own origin (a static server in this test).
// The fake LMS page provides a recording window.API (1.2) and window.API_1484_11 (2004)
// that keeps each SCO's data in localStorage (so suspend / resume work as in an LMS) and
// launches the wrapped examples in a frame. The test answers like a learner, then checks
// both sides: the LMS recorded the SCO's calls and the SCO saw the LMS's answers, and the
// bridge's /xapi/statements hold the translated statements of that LMS learner.
//
// usage: node wrap_browser_test.mjs LRSBRIDGE_BINARY EXAMPLES_DIR WEB_DIR
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import {
  answerExampleQuiz, checkExampleStatements, launchChromium, startLrsbridge, verbOf,
} from './browser_support.mjs';

const [binary, examplesDir, webDir] = process.argv.slice(2);
const require = createRequire(join(webDir, 'package.json'));
const { chromium } = require('playwright-core');

const admin = 'admin:wrap-browser-test-secret';
const auth = 'Basic ' + Buffer.from(admin).toString('base64');
const dir = mkdtempSync(join(tmpdir(), 'lrsbridge-wrap-'));

// The entries of a zip (stored or deflated), read from its central directory.
function unzip(buffer) {
  let end = buffer.length - 22;
  while (end >= 0 && buffer.readUInt32LE(end) !== 0x06054b50) end--;
  assert.ok(end >= 0, 'a zip end record');
  const count = buffer.readUInt16LE(end + 10);
  let at = buffer.readUInt32LE(end + 16);
  const files = {};
  for (let i = 0; i < count; i++) {
    const method = buffer.readUInt16LE(at + 10);
    const size = buffer.readUInt32LE(at + 20);
    const nameLength = buffer.readUInt16LE(at + 28);
    const extra = buffer.readUInt16LE(at + 30);
    const comment = buffer.readUInt16LE(at + 32);
    const local = buffer.readUInt32LE(at + 42);
    const name = buffer.toString('utf8', at + 46, at + 46 + nameLength);
    const start = local + 30 + buffer.readUInt16LE(local + 26) + buffer.readUInt16LE(local + 28);
    const data = buffer.subarray(start, start + size);
    if (!name.endsWith('/')) files[name] = method === 8 ? inflateRawSync(data) : Buffer.from(data);
    at += 46 + nameLength + extra + comment;
  }
  return files;
}

// The fake LMS page: a recording SCORM API of either version over localStorage.
function lmsPage(launch, sco, cmi, lmsValues) {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Fake LMS</title></head><body>
<h1>Fake LMS</h1>
<script>
(function () {
  var v12 = ${JSON.stringify(cmi)} === '1.2';
  var learner = { id: 'lms-user-42', name: 'Grace Wrapped' };
  var key = 'lms-cmi:' + ${JSON.stringify(sco)};
  var saved = JSON.parse(localStorage.getItem(key) || 'null');
  var resume = !!saved && saved.exit === 'suspend';
  var values = {};
  var p = v12 ? 'cmi.core.' : 'cmi.';
  values[v12 ? 'cmi.core.student_id' : 'cmi.learner_id'] = learner.id;
  values[v12 ? 'cmi.core.student_name' : 'cmi.learner_name'] = learner.name;
  values[p + 'entry'] = resume ? 'resume' : 'ab-initio';
  values[v12 ? 'cmi.core.lesson_mode' : 'cmi.mode'] = 'normal';
  values[p + 'credit'] = 'credit';
  var lmsValues = ${JSON.stringify(lmsValues)};
  for (var k in lmsValues) values[k] = lmsValues[k];
  if (resume) {
    ['cmi.suspend_data', v12 ? 'cmi.core.lesson_location' : 'cmi.location'].forEach(function (e) {
      if (saved.values[e] !== undefined) values[e] = saved.values[e];
    });
  }
  var statuses = v12
    ? { 'cmi.core.lesson_status': ['passed', 'completed', 'failed', 'incomplete', 'browsed'] }
    : { 'cmi.completion_status': ['completed', 'incomplete', 'not attempted', 'unknown'],
        'cmi.success_status': ['passed', 'failed', 'unknown'] };
  var state = 'new';
  var lastError = '0';
  window.lmsCalls = [];
  function record(fn, args, result) {
    window.lmsCalls.push({ fn: fn, args: Array.prototype.slice.call(args), result: result });
    return result;
  }
  function fail(code) { lastError = code; return 'false'; }
  function persist() {
    localStorage.setItem(key, JSON.stringify({ exit: values[p + 'exit'] || '', values: values }));
  }
  var api = {
    initialize: function () {
      if (state !== 'new') return fail(v12 ? '101' : '103');
      state = 'running'; lastError = '0'; return 'true';
    },
    get: function (e) {
      if (state !== 'running') return fail(v12 ? '301' : '122') && '';
      if (e in values) { lastError = '0'; return values[e]; }
      var count = /^(.*)\\._count$/.exec(e);
      if (count) {
        var n = 0;
        while (Object.keys(values).some(function (k) { return k.indexOf(count[1] + '.' + n + '.') === 0; })) n++;
        lastError = '0'; return String(n);
      }
      lastError = v12 ? '401' : '403'; return '';
    },
    set: function (e, v) {
      if (state !== 'running') return fail(v12 ? '301' : '132');
      if (statuses[e] && statuses[e].indexOf(v) < 0) return fail(v12 ? '405' : '406');
      values[e] = String(v); lastError = '0'; return 'true';
    },
    commit: function () {
      if (state !== 'running') return fail(v12 ? '301' : '142');
      persist(); lastError = '0'; return 'true';
    },
    finish: function () {
      if (state !== 'running') return fail(v12 ? '301' : '113');
      persist(); state = 'done'; lastError = '0'; return 'true';
    },
  };
  var names = v12
    ? ['API', 'LMSInitialize', 'LMSGetValue', 'LMSSetValue', 'LMSCommit', 'LMSFinish',
       'LMSGetLastError', 'LMSGetErrorString', 'LMSGetDiagnostic']
    : ['API_1484_11', 'Initialize', 'GetValue', 'SetValue', 'Commit', 'Terminate',
       'GetLastError', 'GetErrorString', 'GetDiagnostic'];
  var o = {};
  o[names[1]] = function () { return record(names[1], arguments, api.initialize()); };
  o[names[2]] = function (e) { return record(names[2], arguments, api.get(e)); };
  o[names[3]] = function (e, v) { return record(names[3], arguments, api.set(e, v)); };
  o[names[4]] = function () { return record(names[4], arguments, api.commit()); };
  o[names[5]] = function () { return record(names[5], arguments, api.finish()); };
  o[names[6]] = function () { return record(names[6], arguments, lastError); };
  o[names[7]] = function (c) { return record(names[7], arguments, 'LMS error ' + c); };
  o[names[8]] = function (c) { return record(names[8], arguments, 'LMS diagnostic ' + c); };
  window[names[0]] = o;
})();
</script>
<iframe id="course" src=${JSON.stringify(launch)} style="width:100%;height:600px"></iframe>
</body></html>`;
}

// Serves /lms/launch?course=C&resource=R&sco=S&cmi=V&values=JSON and /course/C/<file>.
function startLms(courses) {
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/lms/launch') {
      const course = courses[url.searchParams.get('course')];
      const manifest = course['imsmanifest.xml'].toString();
      const resource = url.searchParams.get('resource');
      const href = new RegExp(`identifier="${resource}"[^>]*href="([^"]+)"`).exec(manifest)[1];
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(lmsPage(`/course/${url.searchParams.get('course')}/${href}`,
        url.searchParams.get('sco'), url.searchParams.get('cmi'),
        JSON.parse(url.searchParams.get('values') || '{}')));
      return;
    }
    const m = /^\/course\/([^/]+)\/(.+)$/.exec(url.pathname);
    const file = m && courses[m[1]] && courses[m[1]][decodeURIComponent(m[2])];
    if (!file) {
      res.writeHead(404);
      res.end('not found');
      return;
    }
    const type = m[2].endsWith('.html') ? 'text/html; charset=utf-8'
      : m[2].endsWith('.js') ? 'text/javascript' : 'application/octet-stream';
    res.writeHead(200, { 'content-type': type });
    res.end(file);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function api(base, method, path, body, type = 'application/json') {
  const res = await fetch(base + path, {
    method, body, headers: { authorization: auth, 'content-type': type },
  });
  const buffer = Buffer.from(await res.arrayBuffer());
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${buffer}`);
  return (res.headers.get('content-type') || '').includes('json') ? JSON.parse(buffer) : buffer;
}

// The statements of the LMS learner, oldest first.
async function statementsOf(base, lmsUrl) {
  const agent = JSON.stringify({ objectType: 'Agent',
    account: { homePage: lmsUrl, name: 'lms-user-42' } });
  const res = await fetch(`${base}/xapi/statements?ascending=true&limit=1000&agent=` +
    encodeURIComponent(agent), { headers: { authorization: auth,
    'x-experience-api-version': '2.0.0' } });
  const text = await res.text();
  if (!res.ok) throw new Error(`GET /xapi/statements: ${res.status} ${text}`);
  return JSON.parse(text).statements;
}


// Polls the bridge until `check(statements)` holds (relayed commits are asynchronous).
async function waitForStatements(base, lmsUrl, what, check) {
  const deadline = Date.now() + 10000;
  let last = [];
  while (Date.now() < deadline) {
    last = await statementsOf(base, lmsUrl);
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; verbs: ${last.map(verbOf).join(' ')}`);
}

async function lmsCalls(page) {
  return page.evaluate(() => window.lmsCalls);
}

const { child, base } = await startLrsbridge(binary, { dir, webDir, admin });
const courses = {};
const lms = await startLms(courses);
const lmsBase = `http://127.0.0.1:${lms.address().port}`;
const lmsUrl = `${lmsBase}/lms`;
const browser = await launchChromium(chromium);
const consoleLines = [];
let failed = false;
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  page.on('console', (m) => consoleLines.push(m.text()));

  async function wrapExample(name, bridgeUrl = base) {
    const pkg = await api(base, 'POST', '/api/packages',
      readFileSync(join(examplesDir, `${name}.zip`)), 'application/zip');
    const zip = await api(base, 'POST', `/api/packages/${pkg.id}/wrap?lms_url=` +
      `${encodeURIComponent(lmsUrl)}&bridge_url=${encodeURIComponent(bridgeUrl)}`);
    const files = unzip(zip);
    const original = unzip(readFileSync(join(examplesDir, `${name}.zip`)));
    for (const [file, bytes] of Object.entries(original)) {
      if (file !== 'imsmanifest.xml') assert.ok(files[file].equals(bytes), `${file} unchanged`);
    }
    return { pkg, files };
  }
  const launch = (course, resource, sco, cmi, values = {}) =>
    page.goto(`${lmsBase}/lms/launch?course=${course}&resource=${resource}&sco=${sco}` +
      `&cmi=${cmi}&values=${encodeURIComponent(JSON.stringify(values))}`);
  const scoFrame = () => page.frameLocator('#course').frameLocator('#sco');

  // --- SCORM 2004: the lesson suspended and resumed, then the quiz ---
  {
    const { pkg, files } = await wrapExample('scorm2004-two-scos');
    courses.c2004 = files;
    const lessonValues = { 'cmi.completion_threshold': '1', 'cmi.launch_data': '{"pages":3}' };
    await launch('c2004', 'lesson-resource', 'lesson', '2004', lessonValues);
    let sco = scoFrame();
    await sco.locator('#entry').filter({ hasText: 'entry: ab-initio, learner: Grace Wrapped' })
      .waitFor();
    await sco.locator('#next-page').click();
    await sco.locator('#suspend').click();
    await waitForStatements(base, lmsUrl, 'the suspended lesson',
      (all) => all.some((st) => verbOf(st) === 'suspended'));
    let calls = await lmsCalls(page);
    assert.ok(calls.some((c) => c.fn === 'SetValue' && c.args[0] === 'cmi.location' &&
      c.args[1] === '2' && c.result === 'true'), 'the LMS got the location');
    assert.equal(calls.filter((c) => c.fn === 'Terminate').length, 1);
    assert.ok(calls.filter((c) => c.fn === 'SetValue').every((c) => c.result === 'true'));

    // Back later: the LMS resumes (its own suspend_data); the bridge resumes the attempt.
    await page.goto('about:blank');
    await launch('c2004', 'lesson-resource', 'lesson', '2004', lessonValues);
    sco = scoFrame();
    await sco.locator('#entry').filter({ hasText: 'entry: resume' }).waitFor();
    assert.equal(await sco.locator('#page-2').isVisible(), true);
    await sco.locator('#next-page').click();
    await sco.locator('#done').click();
    await waitForStatements(base, lmsUrl, 'the finished lesson',
      (all) => all.filter((st) => verbOf(st) === 'terminated').length === 1);

    await page.goto('about:blank');
    await launch('c2004', 'quiz-resource', 'quiz', '2004', { 'cmi.scaled_passing_score': '0.6' });
    sco = scoFrame();
    await sco.locator('#entry').filter({ hasText: 'entry: ab-initio' }).waitFor();
    // The SCO gets the LMS's answers, refusals included; a value the LMS takes but the
    // bridge's model refuses (score.scaled outside -1..1) is skipped there, not fatal.
    const probe = await page.frameLocator('#course').frameLocator('#sco').locator('body')
      .evaluate(() => {
        const a = window.parent.API_1484_11;
        return [a.GetValue('cmi.learner_id'), a.SetValue('cmi.completion_status', 'bogus'),
          a.GetLastError(), a.GetErrorString('406'), a.SetValue('cmi.score.scaled', '7'),
          a.Commit('')];
      });
    calls = await lmsCalls(page);
    const lastSix = calls.slice(-6).map((c) => c.result);
    assert.deepEqual(probe, lastSix, 'the SCO saw exactly what the LMS answered');
    assert.deepEqual(probe, ['lms-user-42', 'false', '406', 'LMS error 406', 'true', 'true']);
    await answerExampleQuiz(sco);
    const all = await waitForStatements(base, lmsUrl, 'the finished quiz',
      (list) => list.filter((st) => verbOf(st) === 'terminated').length === 2);
    calls = await lmsCalls(page);
    assert.ok(calls.some((c) => c.fn === 'SetValue' && c.args[0] === 'cmi.success_status' &&
      c.args[1] === 'passed' && c.result === 'true'), 'the LMS recorded the result');
    assert.ok(consoleLines.some((l) => l.includes('the bridge skipped cmi.score.scaled')),
      `a skip warning in: ${consoleLines.join(' | ')}`);

    const { scoIri, courseIri } = checkExampleStatements(all, pkg.id);
    const responded = all.filter((st) => verbOf(st) === 'responded');
    assert.deepEqual(responded.map((st) => st.object.definition.interactionType).sort(),
      ['choice', 'fill-in', 'likert', 'long-fill-in', 'matching', 'numeric', 'other',
        'performance', 'sequencing', 'true-false']);
    const passed = all.find((st) => verbOf(st) === 'passed' && st.object.id === scoIri('quiz'));
    assert.equal(passed.result.score.scaled, 0.88);
    const registrations = new Set(all.map((st) => st.context.registration));
    assert.equal(registrations.size, 1, 'one registration for the LMS learner and course');
    for (const st of all) {
      assert.deepEqual(st.actor.account, { homePage: lmsUrl, name: 'lms-user-42' });
    }
    assert.deepEqual(all.filter((st) => st.object.id === courseIri).map(verbOf).sort(),
      ['completed', 'passed']);
    // The value the bridge skipped is kept in a state document with its SCORM error.
    const stateRes = await fetch(`${base}/xapi/activities/state?activityId=` +
      `${encodeURIComponent(scoIri('quiz'))}&agent=${encodeURIComponent(JSON.stringify(
        { objectType: 'Agent', account: { homePage: lmsUrl, name: 'lms-user-42' } }))}` +
      `&registration=${[...registrations][0]}&stateId=urn%3Alrsbridge%3Arelay%3Askipped`,
    { headers: { authorization: auth, 'x-experience-api-version': '2.0.0' } });
    assert.equal(stateRes.status, 200);
    const kept = (await stateRes.json()).skipped;
    assert.deepEqual(kept.map((k) => [k.element, k.value, k.errorCode]),
      [['cmi.score.scaled', '7', 407]]);
    console.log(`ok - SCORM 2004 wrapped: LMS answers unchanged, ${all.length} statements ` +
      'relayed (suspend, resume, every interaction type, course passed)');
  }

  // --- SCORM 1.2, wrapped by the CLI: suspend and resume in the LMS, mirrored ---
  {
    const out = join(dir, 'quiz12-wrapped.zip');
    const printed = JSON.parse(execFileSync(binary, ['wrap', join(examplesDir, 'scorm12-quiz.zip'),
      '--bridge-url', base, '--lms-url', lmsUrl, '-o', out, '--db', `sqlite:${dir}/lrs.db`,
      '--data-dir', `${dir}/packages`]).toString());
    const pkg = printed.package;
    assert.deepEqual(printed.scos.map((s) => s.item), ['quiz']);
    const files = unzip(readFileSync(out));
    courses.c12 = files;
    const values = { 'cmi.student_data.mastery_score': '50' };
    await launch('c12', 'quiz-resource', 'quiz', '1.2', values);
    let sco = scoFrame();
    await sco.locator('#entry').filter({ hasText: 'entry: ab-initio, learner: Grace Wrapped' })
      .waitFor();
    await sco.locator('#q1-b').check();
    await sco.locator('#suspend').click();
    const courseIri = `urn:lrsbridge:course:${pkg.id}`;
    const mine = (list) => list.filter((st) => st.object.id.startsWith(courseIri));
    await waitForStatements(base, lmsUrl, 'the suspended 1.2 quiz',
      (all) => mine(all).some((st) => verbOf(st) === 'suspended'));
    await page.goto('about:blank');
    await launch('c12', 'quiz-resource', 'quiz', '1.2', values);
    sco = scoFrame();
    await sco.locator('#entry').filter({ hasText: 'entry: resume' }).waitFor();
    assert.equal(await sco.locator('#q1-b').isChecked(), true, 'the LMS restored the answers');
    await sco.locator('#q2-a').check();
    await sco.locator('#submit').click();
    await sco.locator('#status').filter({ hasText: 'Score: 100' }).waitFor();
    const all = mine(await waitForStatements(base, lmsUrl, 'the passed 1.2 quiz',
      (list) => mine(list).some((st) => verbOf(st) === 'terminated')));
    const calls = await lmsCalls(page);
    assert.ok(calls.filter((c) => c.fn === 'LMSSetValue').every((c) => c.result === 'true'));
    assert.ok(calls.some((c) => c.fn === 'LMSFinish' && c.result === 'true'));
    const verbs = all.filter((st) => st.object.id !== courseIri).map(verbOf);
    for (const verb of ['initialized', 'suspended', 'resumed', 'passed', 'terminated']) {
      assert.ok(verbs.includes(verb), `${verb} in ${verbs.join(' ')}`);
    }
    const registration = all[0].context.registration;
    const stored = await api(base, 'GET', `/api/registrations/${registration}`);
    assert.equal(stored.attempts.length, 1, 'resume kept one attempt');
    const v = stored.attempts[0].cmi.values;
    assert.equal(v['cmi.core.lesson_status'], 'passed');
    assert.equal(v['cmi.core.score.raw'], '100');
    assert.equal(v['cmi.student_data.mastery_score'], '50');
    assert.equal(v['cmi.interactions.1.student_response'], 'a');
    console.log(`ok - SCORM 1.2 wrapped: suspend and resume in the LMS, ${all.length} ` +
      'statements relayed, CMI mirrored');
  }

  // --- The bridge unreachable: the LMS session runs as if there were no bridge ---
  {
    const { files } = await wrapExample('scorm12-quiz', 'http://127.0.0.1:9');
    courses.down = files;
    await page.evaluate(() => localStorage.clear());
    const before = consoleLines.length;
    await launch('down', 'quiz-resource', 'quiz', '1.2');
    const sco = scoFrame();
    await sco.locator('#entry').filter({ hasText: 'entry: ab-initio' }).waitFor();
    await sco.locator('#q1-b').check();
    await sco.locator('#q2-a').check();
    await sco.locator('#submit').click();
    await sco.locator('#status').filter({ hasText: 'Score: 100' }).waitFor();
    const calls = await lmsCalls(page);
    assert.ok(calls.filter((c) => c.fn === 'LMSSetValue').every((c) => c.result === 'true'));
    assert.ok(calls.some((c) => c.fn === 'LMSFinish' && c.result === 'true'));
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline &&
      !consoleLines.slice(before).some((l) => l.includes('did not open a session'))) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(consoleLines.slice(before).some((l) => l.includes('did not open a session')),
      'a console warning says the session is not mirrored');
    console.log('ok - bridge unreachable: the LMS session is undisturbed, a console warning');
  }
} catch (e) {
  failed = true;
  console.error('FAILED:', e);
  console.error('console:', consoleLines.join('\n'));
} finally {
  await browser.close();
  lms.close();
  child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
