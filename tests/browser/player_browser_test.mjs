// The player in a real browser: headless Chromium (playwright-core) against the real
// lrsbridge binary. Imports the example courses, launches them, answers like a learner,
// suspends, resumes, finishes, and checks the CMI state the server stored; follows the
// sequencing of the shared-objectives course (a gated SCO unlocking, forwardOnly).
//
// usage: node player_browser_test.mjs LRSBRIDGE_BINARY EXAMPLES_DIR WEB_DIR
// LRSBRIDGE_TEST_LISTEN=127.0.0.1:PORT picks the server's port (default: any free one).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import {
  answerExampleQuiz, checkExampleStatements, launchChromium, startLrsbridge, verbOf,
} from './browser_support.mjs';

const [binary, examplesDir, webDir] = process.argv.slice(2);
const require = createRequire(join(webDir, 'package.json'));
const { chromium } = require('playwright-core');

const admin = 'admin:browser-test-secret';
const auth = 'Basic ' + Buffer.from(admin).toString('base64');
const dir = mkdtempSync(join(tmpdir(), 'lrsbridge-browser-'));

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
  const res = await fetch(`${base}/xapi/statements?ascending=true&limit=1000&registration=${registration}`, {
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

const { child, base } = await startLrsbridge(binary, {
  dir, webDir, admin, listen: process.env.LRSBRIDGE_TEST_LISTEN || '127.0.0.1:0',
});
const browser = await launchChromium(chromium);
let failed = false;
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));

  // --- SCORM 2004: two SCOs, suspend and resume, flow navigation, course rollup ---
  {
    const pkg = await importExample(base, 'scorm2004-two-scos');
    assert.equal(pkg.scos.length, 2);
    const reg = await register(base, pkg.id);
    const commits = [];  // every commit the runtime sends, to replay one later
    page.on('request', (req) => {
      if (req.method() === 'POST' && req.url().includes('/commit?')) {
        commits.push({ url: req.url(), body: req.postData() });
      }
    });

    await page.goto(reg.launch_url);
    let sco = page.frameLocator('#content');
    await sco.locator('#entry').filter({ hasText: 'entry: ab-initio' }).waitFor();
    await sco.locator('#entry').filter({ hasText: 'Grace Browser' }).waitFor();
    assert.equal(await page.locator('#toc li').count(), 2);
    assert.equal(await page.locator('#course-status').textContent(), 'attempted');
    await sco.locator('#next-page').click();
    await sco.locator('#suspend').click();
    const suspended = await waitFor(base, reg.registration, 'the suspended lesson',
      (list) => list.find((a) => a.sco === 'lesson' && a.state === 'suspended'));
    assert.equal(suspended.cmi.values['cmi.location'], '2');
    assert.equal(suspended.cmi.values['cmi.completion_status'], 'incomplete');
    assert.equal(suspended.cmi.values['cmi.suspend_data'], '{"page":2}');
    // Launch values from the manifest reach the CMI.
    assert.equal(suspended.cmi.values['cmi.launch_data'], '{"pages":3}');
    assert.equal(Number(suspended.cmi.values['cmi.completion_threshold']), 1);

    // Come back later: the same attempt resumes on page 2; the TOC shows its status.
    await page.goto('about:blank');
    await page.goto(reg.launch_url);
    sco = page.frameLocator('#content');
    await sco.locator('#entry').filter({ hasText: 'entry: resume' }).waitFor();
    assert.equal(await sco.locator('#page-2').isVisible(), true);
    assert.equal(await page.locator('#toc li[data-sco=lesson]').getAttribute('data-status'),
      'incomplete');
    assert.equal(await page.locator('#course-status').textContent(), 'attempted');
    await sco.locator('#next-page').click();
    // Finishing the lesson asks for "continue": the player moves on to the quiz.
    await sco.locator('#done').click();
    await page.waitForURL(/sco=quiz/);
    sco = page.frameLocator('#content');
    await sco.locator('#entry').filter({ hasText: 'entry: ab-initio' }).waitFor();
    assert.equal(await page.locator('#toc li[data-sco=lesson]').getAttribute('data-status'),
      'completed');
    await answerExampleQuiz(sco);
    const list = await waitFor(base, reg.registration, 'the finished quiz',
      (l) => l.find((a) => a.sco === 'quiz' && a.state === 'finished') && l);
    const lesson = list.filter((a) => a.sco === 'lesson');
    assert.equal(lesson.length, 1, 'the resumed lesson stays one attempt');
    assert.equal(lesson[0].state, 'finished');
    assert.equal(lesson[0].cmi.values['cmi.completion_status'], 'completed');
    assert.equal(lesson[0].cmi.values['cmi.location'], '3');
    const quiz = list.find((a) => a.sco === 'quiz').cmi.values;
    assert.equal(quiz['cmi.success_status'], 'passed');
    assert.equal(quiz['cmi.score.scaled'], '0.88');  // 7 of 8 graded answers
    assert.equal(Number(quiz['cmi.scaled_passing_score']), 0.6);
    assert.equal(quiz['cmi.interactions.0.learner_response'], 'condensation');
    assert.equal(quiz['cmi.interactions.0.result'], 'correct');
    assert.equal(quiz['cmi.interactions.4.result'], 'incorrect');

    // The table of contents follows: both SCOs done, the course passed.
    await page.locator('#toc li[data-sco=quiz][data-status=passed]').waitFor({ timeout: 5000 });
    await page.locator('#course-status[data-status=passed]').waitFor({ timeout: 5000 });

    // The statements, read back through /xapi.
    const all = await statements(base, reg.registration);
    const { scoIri, courseIri, quizVerbs } = checkExampleStatements(all, pkg.id);
    assert.equal(quizVerbs[0], 'initialized');
    assert.equal(quizVerbs[quizVerbs.length - 1], 'terminated');
    const responded = all.filter((st) => verbOf(st) === 'responded');
    assert.deepEqual(responded.map((st) => st.object.definition.interactionType).sort(),
      ['choice', 'fill-in', 'likert', 'long-fill-in', 'matching', 'numeric', 'other',
        'performance', 'sequencing', 'true-false']);
    const matching = responded.find((st) => st.object.definition.interactionType === 'matching');
    assert.equal(matching.object.id, `${scoIri('quiz')}/interactions/stages`);
    assert.equal(matching.object.definition.type,
      'http://adlnet.gov/expapi/activities/cmi.interaction');
    assert.deepEqual(matching.object.definition.correctResponsesPattern,
      ['evaporation[.]rises[,]condensation[.]cools[,]precipitation[.]falls']);
    assert.equal(matching.result.response,
      'evaporation[.]rises[,]condensation[.]cools[,]precipitation[.]cools');
    assert.equal(matching.result.success, false);
    assert.equal(matching.result.duration, 'PT0H0M9S');
    const choice = responded.find((st) => st.object.definition.interactionType === 'choice');
    assert.equal(choice.result.success, true);
    assert.deepEqual(choice.object.definition.description, { 'en-US': 'What forms clouds?' });
    const passed = all.find((st) => verbOf(st) === 'passed' && st.object.id === scoIri('quiz'));
    assert.equal(passed.result.success, true);
    assert.equal(passed.result.score.scaled, 0.88);
    const suspendedSt = all.find((st) => verbOf(st) === 'suspended');
    assert.equal(suspendedSt.result.completion, false);
    const terminated = all.filter((st) => verbOf(st) === 'terminated');
    assert.equal(terminated.length, 2);
    assert.equal(terminated[1].result.success, true);
    assert.equal(terminated[1].result.completion, true);
    assert.equal(terminated[1].result.score.raw, 7);
    assert.match(terminated[1].result.duration, /^PT/);

    // Context: registration, profile category on every statement; SCO statements grouped
    // by their attempt and the course; interactions have the SCO as parent.
    const attemptOf = (st) => (st.context.contextActivities.grouping || [])
      .map((g) => g.id).find((id) => id.includes('?attemptId='));
    for (const st of all) {
      assert.equal(st.context.registration, reg.registration);
      assert.deepEqual(st.context.contextActivities.category.map((c) => c.id),
        ['https://w3id.org/xapi/scorm']);
      assert.equal(st.actor.account.name, 'u7');
      if (st.object.id === courseIri) continue;
      const grouping = st.context.contextActivities.grouping.map((g) => g.id);
      assert.ok(grouping.includes(courseIri), `course in the grouping of ${verbOf(st)}`);
      assert.ok(attemptOf(st), `an attempt in the grouping of ${verbOf(st)}`);
    }
    for (const st of responded) {
      assert.deepEqual(st.context.contextActivities.parent.map((p) => p.id), [scoIri('quiz')]);
    }
    const lessonAttempts = new Set(all.filter((st) => st.object.id === scoIri('lesson'))
      .map(attemptOf));
    assert.equal(lessonAttempts.size, 1, 'one lesson attempt across suspend and resume');

    // The course: completed and passed once, with the quiz's score (the lesson weighs 0).
    const course = all.filter((st) => st.object.id === courseIri);
    assert.deepEqual(course.map(verbOf).sort(), ['completed', 'passed']);
    assert.equal(course.find((st) => verbOf(st) === 'passed').result.score.scaled, 0.88);
    assert.equal(course[0].object.definition.type, 'http://adlnet.gov/expapi/activities/course');

    // The activity profile document comes from the manifest's launch values.
    const profileRes = await fetch(`${base}/xapi/activities/profile?activityId=` +
      `${encodeURIComponent(scoIri('lesson'))}&profileId=` +
      encodeURIComponent('https://w3id.org/xapi/scorm/activity-profile'),
    { headers: { authorization: auth, 'x-experience-api-version': '2.0.0' } });
    assert.equal(profileRes.status, 200);
    assert.deepEqual(await profileRes.json(), {
      completion_threshold: 1, launch_data: '{"pages":3}', max_time_allowed: 'PT1H0M0S',
      time_limit_action: 'continue,no message',
    });

    // Replaying commits (a retry after a lost answer) adds no statement.
    assert.ok(commits.length >= 3, `commits seen: ${commits.length}`);
    for (const c of commits.filter((x) => x.body)) {
      const res = await fetch(c.url, { method: 'POST', body: c.body,
        headers: { 'content-type': 'application/json' } });
      const answer = await res.json();
      assert.ok(res.status === 200 || res.status === 409, `replay answered ${res.status}`);
      if (res.status === 200) assert.equal(answer.result, true);
    }
    const again = await statements(base, reg.registration);
    assert.deepEqual(again.map((st) => st.id), all.map((st) => st.id));
    page.removeAllListeners('request');
    console.log(`ok - SCORM 2004: suspend, resume, continue, every interaction type, course ` +
      `passed; ${all.length} statements checked, ${commits.length} commits replayed`);
  }

  // --- SCORM 2004 sequencing: a shared objective unlocks a disabled SCO; forwardOnly ---
  {
    const pkg = await importExample(base, 'scorm2004-shared-objectives');
    assert.deepEqual(pkg.scos.map((s) => s.identifier), ['check', 'lab', 'recap']);
    const reg = await register(base, pkg.id);
    const token = new URL(reg.launch_url).searchParams.get('token');
    const launchOf = (id) =>
      `${base}/player/${reg.registration}?token=${encodeURIComponent(token)}&sco=${id}`;
    // Before the check is passed the server refuses the lab...
    let res = await fetch(launchOf('lab'));
    assert.equal(res.status, 403);
    assert.match(await res.text(), /lab is disabled by a precondition rule/);
    // ... and the table of contents offers no link to it, saying why.
    await page.goto(reg.launch_url);
    let sco = page.frameLocator('#content');
    await sco.locator('#check h1').waitFor();
    const lab = page.locator('#toc li[data-sco=lab]');
    assert.equal(await lab.getAttribute('data-enabled'), 'false');
    assert.equal(await lab.locator('a').count(), 0);
    assert.match(await lab.getAttribute('title'), /lab is disabled by a precondition rule/);
    assert.equal(await page.locator('#next').isDisabled(), true, 'flow stops at the lab');
    // A failed check keeps it closed, and its post-condition rule starts it again (a new
    // attempt); passing it opens the lab without a reload.
    await sco.locator('input[value=desk]').check();
    await sco.locator('#submit-check').click();
    await page.waitForURL(/sco=check/);
    sco = page.frameLocator('#content');
    await sco.locator('#check h1').waitFor();
    assert.equal(await lab.getAttribute('data-enabled'), 'false');
    await sco.locator('input[value=cabinet]').check();
    await sco.locator('#submit-check').click();
    await page.locator('#toc li[data-sco=lab][data-enabled=true] a').waitFor({ timeout: 5000 });
    const checks = (await attempts(base, reg.registration)).filter((a) => a.sco === 'check');
    assert.deepEqual(checks.map((a) => a.number), [1, 2], 'the retry was a new attempt');
    assert.equal(await page.locator('#next').isDisabled(), false);
    await page.locator('#toc li[data-sco=lab] a').click();
    await page.waitForURL(/sco=lab/);
    sco = page.frameLocator('#content');
    // The lab's cmi.objectives start with the shared objective the check wrote.
    await sco.locator('#mastery').filter({ hasText: 'passed' }).waitFor();

    // The module is forwardOnly: once at the recap, the lab is behind the learner.
    await page.locator('#next').click();
    await page.waitForURL(/sco=recap/);
    sco = page.frameLocator('#content');
    await sco.locator('#recap h1').waitFor();
    const back = page.locator('#toc li[data-sco=lab]');
    assert.equal(await back.getAttribute('data-enabled'), 'false');
    assert.equal(await back.locator('a').count(), 0, 'no backwards choice in the UI');
    assert.match(await back.getAttribute('title'), /module has forwardOnly="true"/);
    assert.equal(await page.locator('#prev').isDisabled(), true);
    assert.equal(await page.locator('#toc li[data-sco=check] a').count(), 1, 'outside the module');
    res = await fetch(launchOf('lab'));
    assert.equal(res.status, 403, 'no backwards choice on the server');
    assert.match(await res.text(), /module has forwardOnly/);
    console.log('ok - SCORM 2004 sequencing: shared objective unlocks the lab; forwardOnly module');
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
    const everything = await statements(base, reg.registration);
    const courseIri = `urn:lrsbridge:course:${pkg.id}`;
    // A one-SCO course rolls up with its SCO.
    assert.deepEqual(everything.filter((st) => st.object.id === courseIri)
      .map((st) => st.verb.id.split('/').pop()).sort(), ['completed', 'passed']);
    const list = everything.filter((st) => st.object.id !== courseIri);
    const verbs = list.map((st) => st.verb.id.split('/').pop());
    for (const verb of ['initialized', 'suspended', 'resumed', 'passed', 'terminated']) {
      assert.ok(verbs.includes(verb), `${verb} in ${verbs.join(' ')}`);
    }
    assert.equal(verbs[0], 'initialized');
    assert.equal(verbs[verbs.length - 1], 'terminated');
    const attemptIris = new Set(list.map((st) => st.context.contextActivities.grouping
      .map((g) => g.id).find((id) => id.includes('?attemptId='))));
    assert.equal(attemptIris.size, 1, 'one attempt activity across suspend and resume');
    assert.ok(everything.every((st) => st.context.registration === reg.registration));
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
