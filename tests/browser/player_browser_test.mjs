// The player in a real browser: headless Chromium (playwright-core) against the real
// lrsbridge binary. Imports both example courses, launches them, answers like a learner,
// suspends, resumes, finishes, and checks the CMI state the server stored.
//
// usage: node player_browser_test.mjs LRSBRIDGE_BINARY EXAMPLES_DIR WEB_DIR
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

const [binary, examplesDir, webDir] = process.argv.slice(2);
const require = createRequire(join(webDir, 'package.json'));
const { chromium } = require('playwright-core');

const admin = 'admin:browser-test-secret';
const auth = 'Basic ' + Buffer.from(admin).toString('base64');
const dir = mkdtempSync(join(tmpdir(), 'lrsbridge-browser-'));

function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['serve', '--listen', '127.0.0.1:0', '--db', `sqlite:${dir}/lrs.db`,
      '--data-dir', `${dir}/packages`, '--web-dir', webDir, '--no-access-log'],
      { env: { ...process.env, LRSBRIDGE_ADMIN: admin }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve({ child, base: `http://127.0.0.1:${m[1]}` });
    });
    child.on('exit', (code) => reject(new Error(`lrsbridge exited with ${code}`)));
  });
}

async function api(base, method, path, body, type = 'application/json') {
  const res = await fetch(base + path, {
    method, body, headers: { authorization: auth, 'content-type': type },
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

// The registration's statements, oldest first, read back through the xAPI resource.
async function statements(base, registration) {
  const res = await fetch(`${base}/xapi/statements?ascending=true&registration=${registration}`, {
    headers: { authorization: auth, 'x-experience-api-version': '2.0.0' },
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`GET /xapi/statements: ${res.status} ${text}`);
  return JSON.parse(text).statements;
}

async function attempts(base, registration) {
  return (await api(base, 'GET', `/api/registrations/${registration}`)).attempts;
}

// Polls until `check(attempts)` returns a truthy value (commits by beacon are async).
async function waitFor(base, registration, what, check) {
  const deadline = Date.now() + 10000;
  let last;
  while (Date.now() < deadline) {
    last = await attempts(base, registration);
    const found = check(last);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; attempts: ${JSON.stringify(last, null, 1)}`);
}

async function register(base, pkg) {
  return api(base, 'POST', '/api/registrations', JSON.stringify({
    package: pkg,
    learner: { account: { homePage: 'http://lms.test', name: 'u7' }, name: 'Grace Browser' },
  }));
}

async function importExample(base, name) {
  const zip = readFileSync(join(examplesDir, `${name}.zip`));
  return api(base, 'POST', '/api/packages', zip, 'application/zip');
}

const { child, base } = await startServer();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run'],
});
let failed = false;
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));

  // --- SCORM 2004: two SCOs, suspend and resume, flow navigation ---
  {
    const pkg = await importExample(base, 'scorm2004-two-scos');
    assert.equal(pkg.scos.length, 2);
    const reg = await register(base, pkg.id);

    await page.goto(reg.launch_url);
    let sco = page.frameLocator('#content');
    await sco.locator('#entry').filter({ hasText: 'entry: ab-initio' }).waitFor();
    await sco.locator('#entry').filter({ hasText: 'Grace Browser' }).waitFor();
    assert.equal(await page.locator('#toc li').count(), 2);
    await sco.locator('#next-page').click();
    await sco.locator('#suspend').click();
    const suspended = await waitFor(base, reg.registration, 'the suspended lesson',
      (list) => list.find((a) => a.sco === 'lesson' && a.state === 'suspended'));
    assert.equal(suspended.cmi.values['cmi.location'], '2');
    assert.equal(suspended.cmi.values['cmi.completion_status'], 'incomplete');
    assert.equal(suspended.cmi.values['cmi.suspend_data'], '{"page":2}');

    // Come back later: the same attempt resumes on page 2.
    await page.goto('about:blank');
    await page.goto(reg.launch_url);
    sco = page.frameLocator('#content');
    await sco.locator('#entry').filter({ hasText: 'entry: resume' }).waitFor();
    assert.equal(await sco.locator('#page-2').isVisible(), true);
    await sco.locator('#next-page').click();
    // Finishing the lesson asks for "continue": the player moves on to the quiz.
    await sco.locator('#done').click();
    await page.waitForURL(/sco=quiz/);
    sco = page.frameLocator('#content');
    await sco.locator('#entry').filter({ hasText: 'entry: ab-initio' }).waitFor();
    await sco.locator('#q-condensation').check();
    await sco.locator('#submit').click();
    const list = await waitFor(base, reg.registration, 'the finished quiz',
      (l) => l.find((a) => a.sco === 'quiz' && a.state === 'finished') && l);
    const lesson = list.filter((a) => a.sco === 'lesson');
    assert.equal(lesson.length, 1, 'the resumed lesson stays one attempt');
    assert.equal(lesson[0].state, 'finished');
    assert.equal(lesson[0].cmi.values['cmi.completion_status'], 'completed');
    assert.equal(lesson[0].cmi.values['cmi.location'], '3');
    const quiz = list.find((a) => a.sco === 'quiz').cmi.values;
    assert.equal(quiz['cmi.success_status'], 'passed');
    assert.equal(quiz['cmi.score.scaled'], '1');
    assert.equal(quiz['cmi.interactions.0.learner_response'], 'condensation');
    assert.equal(quiz['cmi.interactions.0.result'], 'correct');
    console.log('ok - SCORM 2004: suspend, resume, continue to the quiz, pass');
  }

  // --- SCORM 1.2: quiz, suspend, resume, finish ---
  {
    const pkg = await importExample(base, 'scorm12-quiz');
    const reg = await register(base, pkg.id);
    await page.goto(reg.launch_url);
    let sco = page.frameLocator('#content');
    await sco.locator('#entry').filter({ hasText: 'entry: ab-initio' }).waitFor();
    await sco.locator('#q1-b').check();
    await sco.locator('#suspend').click();
    const suspended = await waitFor(base, reg.registration, 'the suspended quiz',
      (l) => l.find((a) => a.state === 'suspended'));
    assert.equal(suspended.cmi.values['cmi.core.lesson_location'], 'q1');
    assert.equal(suspended.cmi.values['cmi.suspend_data'], '{"q1":"b"}');

    await page.goto('about:blank');
    await page.goto(reg.launch_url);
    sco = page.frameLocator('#content');
    await sco.locator('#entry').filter({ hasText: 'entry: resume' }).waitFor();
    assert.equal(await sco.locator('#q1-b').isChecked(), true, 'answers restored');
    await sco.locator('#q2-a').check();
    await sco.locator('#submit').click();
    const done = await waitFor(base, reg.registration, 'the passed quiz',
      (l) => l.find((a) => a.state === 'finished'));
    const v = done.cmi.values;
    assert.equal(v['cmi.core.lesson_status'], 'passed');
    assert.equal(v['cmi.core.score.raw'], '100');
    assert.equal(v['cmi.interactions.1.student_response'], 'a');
    assert.equal(done.number, 1, 'resume kept the attempt');
    const list = await statements(base, reg.registration);
    const verbs = list.map((st) => st.verb.id.split('/').pop());
    for (const verb of ['initialized', 'suspended', 'resumed', 'passed', 'terminated']) {
      assert.ok(verbs.includes(verb), `${verb} in ${verbs.join(' ')}`);
    }
    assert.equal(verbs[0], 'initialized');
    assert.equal(verbs[verbs.length - 1], 'terminated');
    const attemptIris = new Set(list.map((st) => st.context.contextActivities.grouping
      .map((g) => g.id).find((id) => id.includes('?attemptId='))));
    assert.equal(attemptIris.size, 1, 'one attempt activity across suspend and resume');
    assert.ok(list.every((st) => st.context.registration === reg.registration));
    console.log('ok - SCORM 1.2: suspend, resume, pass; statements read back through /xapi');
  }
} catch (e) {
  failed = true;
  console.error('FAILED:', e);
} finally {
  await browser.close();
  child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
