// What the browser tests share: the real lrsbridge binary on a free loopback port, Debian's
// Chromium with the flags this machine needs, and a learner's answers to the example SCORM
// 2004 quiz (examples/scorm2004-two-scos), which both the player and the wrapped package run.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

// Starts `lrsbridge serve` on SQLite in `dir`; resolves with the child and its base URL once
// it prints the port it listens on.
export function startLrsbridge(binary, { dir, webDir, admin, listen = '127.0.0.1:0' }) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['serve', '--listen', listen, '--db', `sqlite:${dir}/lrs.db`,
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

export function launchChromium(chromium) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run'],
  });
}

// Answers every interaction of the example quiz (one matching pair wrong on purpose, so the
// score is 0.88), leaves a comment and submits.
export async function answerExampleQuiz(sco) {
  await sco.locator('#q-condensation').check();
  await sco.locator('#tf-true').check();
  await sco.locator('#fill').fill('Rain');
  await sco.locator('#long').fill('Into rivers and the sea');
  await sco.locator('#match-evaporation').selectOption('rises');
  await sco.locator('#match-condensation').selectOption('cools');
  await sco.locator('#match-precipitation').selectOption('cools');  // wrong on purpose
  await sco.locator('#step-heat').selectOption('on');
  await sco.locator('#step-lid').selectOption('cold');
  await sco.locator('#order').fill('evaporation, condensation, precipitation');
  await sco.locator('#likert-clear').check();
  await sco.locator('#numeric').fill('3');
  await sco.locator('#other').fill('more pictures');
  await sco.locator('#comment').fill('Nice lesson');
  await sco.locator('#submit').click();
}

// The last segment of a statement's verb IRI ("completed").
export const verbOf = (st) => st.verb.id.split('/').pop();

// What a learner's run through the example course leaves in `all` (its statements, oldest
// first), whichever way it was delivered: the lesson's statements in order and the quiz's
// verbs. Returns the IRIs of the course and its SCOs, and the quiz's verbs, for the checks
// each test adds.
export function checkExampleStatements(all, packageId) {
  const courseIri = `urn:lrsbridge:course:${packageId}`;
  const scoIri = (id) => `${courseIri}/sco/${id}`;
  const about = (id) => all.filter((st) => st.object.id === scoIri(id)).map(verbOf);
  assert.deepEqual(about('lesson'),
    ['initialized', 'progressed', 'suspended', 'resumed', 'progressed', 'completed',
      'terminated'], 'lesson statements in order');
  const quizVerbs = about('quiz');
  for (const verb of ['initialized', 'scored', 'completed', 'passed', 'commented',
    'terminated']) {
    assert.ok(quizVerbs.includes(verb), `${verb} in ${quizVerbs.join(' ')}`);
  }
  return { courseIri, scoIri, quizVerbs };
}
