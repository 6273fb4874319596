import { expect } from 'chai';
import { execa } from 'execa';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Experiment } from '../../src/experiment/types.js';
import { formatDuration } from '../../src/kit/duration.js';
import type { RunResult } from '../../src/report/result.js';
import { kubeletDrill, tempDir, writeExperiment } from '../e2e/support.js';
import { PHONE, PROJECTOR, artifactsDir, launchBrowser, whyNoBrowser } from './browser.js';

const BIN = join(process.cwd(), 'bin', 'gameday.js');
const built = existsSync(join(process.cwd(), 'dist', 'src', 'cli', 'main.js'));
const WORKER = '10.128.38.10';

function spawn(args: string[], cwd: string) {
  return execa('node', [BIN, ...args], { reject: false, env: { NO_COLOR: '1' }, cwd });
}
type Child = ReturnType<typeof spawn>;

/** Everything each child printed, for the failure message of a test that waited in vain. */
const printed = new Map<Child, string>();

function gameday(args: string[], cwd = process.cwd()): Child {
  const child = spawn(args, cwd);
  printed.set(child, '');
  const keep = (chunk: Buffer): void => void printed.set(child, (printed.get(child) ?? '') + chunk.toString());
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return child;
}

/** Resolves with everything the child printed so far once `text` is among it (printed before the call too). */
function waitForOutput(child: Child, text: string | RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const seen = (): string => printed.get(child) ?? '';
    const found = (): boolean => (typeof text === 'string' ? seen().includes(text) : text.test(seen()));
    if (found()) return resolve(seen());
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no "${String(text)}" within ${timeoutMs} ms; output so far:\n${seen()}`));
    }, timeoutMs);
    const on = (): void => {
      if (!found()) return;
      stop();
      resolve(seen());
    };
    const stop = (): void => {
      clearTimeout(timer);
      child.stdout.off('data', on);
      child.stderr.off('data', on);
    };
    // Registered after the listener that keeps the output, so `printed` already holds the chunk.
    child.stdout.on('data', on);
    child.stderr.on('data', on);
  });
}

function warRoomUrl(output: string): string {
  const url = /war room: (http:\/\/\S+)/.exec(output)?.[1];
  if (!url) throw new Error(`no war room URL in:\n${output}`);
  return url;
}

/** A raw request, with whatever Host and Origin a test wants to send (fetch would not let it set Host). */
function raw(
  url: string,
  o: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method ?? 'GET', headers: o.headers ?? {} }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/** The inside of the page's report region, without the banner that says the drills are over. */
async function liveReportHtml(page: Page): Promise<string> {
  return page.evaluate(() => {
    const live = document.getElementById('live')!.cloneNode(true) as HTMLElement;
    live.querySelector('.over-banner')?.remove();
    return live.innerHTML.trim();
  });
}

async function reportFileHtml(context: BrowserContext, file: string): Promise<string> {
  const page = await context.newPage();
  await page.goto(pathToFileURL(file).href);
  const html = await page.evaluate(() => document.querySelector('main')!.innerHTML.trim());
  await page.close();
  return html;
}

function manualKubeletDrill(): Experiment {
  return kubeletDrill({
    id: 'wr-manual-kubelet',
    title: 'kubelet stopped on a worker, restarted by a person',
    // The fault comes 20 simulated seconds into the inject phase, so the page is open before it even on a
    // busy machine; time-to-detect counts from the phase's start, hence its looser target.
    faultMode: 'sequence',
    faults: [{ type: 'stop-kubelet', nodes: { names: [WORKER] }, after: '20s' }],
    recovery: {
      mode: 'manual',
      steps: [{ type: 'start-service', service: 'kubelet', nodes: { from: 'faults' } }],
    },
    // A person here is a test process at 20x real time: each wall second is twenty simulated ones.
    targets: { timeToDetect: '2m', timeToReady: '10m' },
  });
}

function scaleDrill(): Experiment {
  const workload = { namespace: 'business', kind: 'Deployment', name: 'order-service' } as const;
  return {
    id: 'wr-order-service-scaled',
    title: 'order-service scaled to zero, scaled back',
    description: 'test drill',
    runbook: 'D11',
    clusters: ['business'],
    steadyState: [{ type: 'workload-available', workload }],
    faults: [{ type: 'scale-workload', workload, replicas: 0 }],
    detect: [{ type: 'workload-available', workload: { from: 'faults' }, below: true }],
    // The runbook's pause before scaling back keeps this drill on the screen long enough to see the queue.
    recovery: {
      mode: 'automatic',
      steps: [
        { type: 'wait', duration: '60s', reason: 'look before scaling back' },
        { type: 'scale', workload: { from: 'faults' }, replicas: 3 },
      ],
    },
    verify: [{ type: 'workload-available', workload }],
    targets: { timeToDetect: '60s', timeToReady: '3m' },
  };
}

describe('the war room in a browser', function () {
  this.timeout(180_000);
  let browser: Browser | undefined;
  let shots = '';
  const children: Child[] = [];

  let simDir = '';
  let sim: Child | undefined;

  before(async function () {
    const why = !built ? 'dist/ is not built (npm test builds it first: run `npm run build`)' : await whyNoBrowser();
    if (why) {
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    shots = artifactsDir();
    console.log(`      screenshots: ${shots}`);
    // The simulator of the first test comes up while the browser starts.
    simDir = tempDir('warroom');
    sim = gameday(['sim', 'up', '--kubeconfig', join(simDir, 'kubeconfig'), '--speed', '20', '--serve']);
    children.push(sim);
    browser = await launchBrowser();
  });

  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    for (const [child, out] of printed) console.log(`---- ${child.spawnargs.slice(2, 4).join(' ')}\n${out}`);
  });

  after(async () => {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => c.catch(() => undefined)));
    await browser?.close();
  });

  it('follows a manual drill on `sim up`, takes a step marked done into the report, and refuses requests without its token', async () => {
    const dir = simDir;
    const kubeconfig = join(dir, 'kubeconfig');
    const reports = join(dir, 'reports');
    const projector = await browser!.newContext({ viewport: PROJECTOR });
    const phone = await browser!.newContext({ viewport: PHONE, isMobile: true, colorScheme: 'dark' });
    // Offline: whatever the pages load comes from gameday itself (or the report file), never from elsewhere.
    const loaded: string[] = [];
    for (const c of [projector, phone]) c.on('request', (req) => loaded.push(req.url()));

    const simOut = await waitForOutput(sim!, 'All nodes Ready', 60_000);
    const platform = await projector.newPage();
    await platform.goto(warRoomUrl(simOut));
    await platform
      .waitForFunction(() => document.querySelectorAll('li.tile[data-state="Ready"]').length === 18)
      .catch(async (err: unknown) => {
        await platform.screenshot({ path: join(shots, 'failed-platform.png') });
        throw err;
      });
    await platform.screenshot({ path: join(shots, '0-sim-up-platform.png') });
    await platform.close();

    const run = gameday(
      [
        'run',
        writeExperiment(dir, manualKubeletDrill()),
        writeExperiment(dir, scaleDrill()),
        '--kubeconfig',
        kubeconfig,
        '--serve',
        '--report-dir',
        reports,
        '--journal-dir',
        join(dir, 'journal'),
      ],
      dir,
    );
    children.push(run);
    const url = warRoomUrl(await waitForOutput(run, 'war room:', 60_000));
    expect(new URL(url).hostname, 'the default address').to.equal('127.0.0.1');

    // Open the page at once: at 20x a drill's detection lasts a few seconds of wall time.
    const page = await projector.newPage();
    await page.goto(url);
    await page.waitForSelector('.phase.now[data-phase="detect"]', { timeout: 60_000 });
    await page.screenshot({ path: join(shots, '1-detect-counting-down.png') });
    expect(await page.textContent('#chart'), 'the chart before detection').not.to.contain('detected (');

    // The worker's tile turns NotReady while the detect countdown is still running.
    const atNotReady = await page.waitForFunction(
      (node) => {
        const tile = document.querySelector<HTMLElement>(`li.tile[data-node="${node}"]`);
        if (tile?.dataset['state'] !== 'NotReady') return false;
        const cd = document.querySelector('.cd[data-check="timeToDetect"]');
        return { missed: cd?.classList.contains('missed') ?? true, text: cd?.textContent ?? '' };
      },
      WORKER,
      { timeout: 30_000, polling: 50 },
    );
    const when = (await atNotReady.jsonValue()) as { missed: boolean; text: string };
    expect(when.missed, `detect countdown when the tile turned NotReady: ${when.text}`).to.equal(false);
    await page.screenshot({ path: join(shots, '2-worker-notready.png') });

    const measured = await (await page.waitForSelector('.cd[data-check="timeToDetect"] .measured')).textContent();
    // The chart grew with the detection; the fault's command and the alert it raised are on the page.
    await page.waitForFunction(
      (m) => document.getElementById('chart')?.textContent?.includes(`detected (${m})`),
      measured,
    );
    expect(await page.textContent('#actions')).to.contain(`ssh ${WORKER} systemctl stop kubelet`);
    expect(await page.textContent('#alerts')).to.contain(`Node ${WORKER} is NotReady`);
    await page.waitForSelector('button[data-action="step"][data-index="0"]', { timeout: 30_000 });
    await page.screenshot({ path: join(shots, '3-manual-recovery-checklist.png') });
    const mobile = await phone.newPage();
    await mobile.goto(url);
    await mobile.waitForSelector('button[data-action="step"]');
    await mobile.screenshot({ path: join(shots, '3-phone-dark.png'), fullPage: true });
    await page.click('button[data-action="step"][data-index="0"]');
    await page.waitForSelector('li.done[data-step="0"]');
    // The countdown stopped at what was measured: it reads the same a while later.
    expect(await page.textContent('.cd[data-check="timeToDetect"] .measured')).to.equal(measured);

    // Nothing without the token, from another Host (DNS rebinding) or from another origin.
    const bare = url.replace(/\?token=.*/, '');
    const port = new URL(url).port;
    expect((await raw(bare)).status).to.equal(403);
    expect((await raw(`${bare}?token=not-the-token`)).status).to.equal(403);
    expect((await raw(`${bare}events`)).status).to.equal(403);
    expect((await raw(url, { headers: { host: `attacker.example:${port}` } })).status).to.equal(403);
    const post = (origin: string | undefined, withToken: boolean) =>
      raw(`${bare}api/step${withToken ? url.slice(bare.length) : ''}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
        body: '{"index":0}',
      });
    expect((await post(`http://127.0.0.1:${port}`, false)).status).to.equal(403);
    expect((await post('http://attacker.example', true)).status).to.equal(403);
    expect((await post(undefined, true)).status).to.equal(403);
    const stranger = await projector.newPage();
    expect((await stranger.goto(bare))?.status()).to.equal(403);
    await stranger.close();

    // The person works in the node shell, in the run's directory: the page shows what they type. First a
    // look, then the fix; the verification then sees the node Ready.
    const shell = gameday(['node', 'shell', WORKER, '--kubeconfig', kubeconfig, '--context', 'business'], dir);
    shell.stdin.write('systemctl is-active kubelet\n');
    await page.waitForSelector(`#transcript li:has-text("[${WORKER}] $ systemctl is-active kubelet")`, {
      timeout: 60_000,
    });
    expect(await page.textContent('#transcript')).to.contain('(exit 3)');
    await page.screenshot({ path: join(shots, '4-node-shell-in-the-transcript.png') });
    shell.stdin.end('systemctl start kubelet\n');
    // The queue shows the first verdict while the second drill runs, and that drill's report section below.
    await page.waitForSelector('li.q[data-drill="wr-manual-kubelet"] .badge.pass', { timeout: 60_000 });
    await page.waitForSelector('li.q.running[data-drill="wr-order-service-scaled"]');
    await page.waitForSelector('#done section.run.pass');
    await page.screenshot({ path: join(shots, '5-first-verdict-in-the-queue.png') });
    expect((await shell).exitCode, printed.get(shell)).to.equal(0);

    await page.waitForSelector('body.ended', { timeout: 60_000 });
    await page.screenshot({ path: join(shots, '6-over-the-report.png') });
    // The phone followed the same drills, in dark mode, to the same end.
    await mobile.waitForSelector('body.ended');
    await mobile.screenshot({ path: join(shots, '7-phone-dark-report.png') });
    const r = await run;
    expect(r.exitCode, r.stdout + r.stderr).to.equal(0);

    const doc = JSON.parse(readFileSync(join(reports, 'wr-manual-kubelet.json'), 'utf8')) as { results: RunResult[] };
    const result = doc.results[0]!;
    expect(measured).to.equal(formatDuration(result.timings.timeToDetect));
    const step = result.steps.find((s) => s.description.includes('marked done in the war room'));
    expect(step, JSON.stringify(result.steps)).to.not.equal(undefined);
    const recoverAt = result.phases.find((p) => p.name === 'recover')!.startedAt;
    expect(step!.endedAt).to.be.at.least(recoverAt);
    expect(step!.endedAt).to.be.at.most(recoverAt + result.timings.timeToReady!);
    const timeline = result.timeline.map((t) => t.text);
    expect(timeline.join('\n')).to.match(
      /manual step 1\/1 marked done in the war room: Start kubelet on the nodes the faults hit/,
    );
    expect(timeline).to.include.members([
      `node shell on ${WORKER}: $ systemctl is-active kubelet (exit 3)`,
      `node shell on ${WORKER}: $ systemctl start kubelet`,
    ]);
    // The page left on the screen is the report, rendered once.
    expect(await liveReportHtml(page)).to.equal(await reportFileHtml(projector, join(reports, 'report.html')));
    // The run no longer tells node shells where its page is.
    expect(existsSync(join(dir, '.gameday', 'warroom.json'))).to.equal(false);
    const elsewhere = loaded.filter((u) => !u.startsWith('file:') && new URL(u).hostname !== '127.0.0.1');
    expect(elsewhere, 'requests that left the machine').to.deep.equal([]);
    expect(loaded.length, 'the requests were seen').to.be.greaterThan(3);

    await projector.close();
    await phone.close();
  });

  it('runs a practice session: alert acknowledged, a hint taken and its step marked, the node shell in the transcript', async () => {
    const dir = tempDir('warroom-practice');
    const sessions = join(dir, 'practice');
    const context = await browser!.newContext({ viewport: PROJECTOR });
    const file = writeExperiment(dir, kubeletDrill({ id: 'wr-practice-kubelet' }));
    const practice = gameday(
      [
        'practice',
        file,
        '--serve',
        '--speed',
        '20',
        '--min-delay',
        '1s',
        '--max-delay',
        '2s',
        '--seed',
        '5',
        '--dir',
        sessions,
        '--journal-dir',
        join(dir, 'journal'),
      ],
      dir,
    );
    children.push(practice);
    const url = warRoomUrl(await waitForOutput(practice, 'war room:', 60_000));
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForSelector('ol.alerts li.firing', { timeout: 60_000 });
    // Which fault it was is the exercise: the page does not say what gameday did.
    expect(await page.locator('#actions li').count()).to.equal(0);
    await page.screenshot({ path: join(shots, 'practice-1-alert.png') });
    await page.click('button[data-action="ack"]');
    await page.waitForSelector('.acked');
    await page.click('button[data-action="hint"]');
    await page.click('button[data-action="step"][data-index="0"]');
    await page.waitForSelector('li.done[data-step="0"]');

    // A look first, in the node shell: the page shows it. Then the fix, which soon ends the session.
    const shell = gameday(['node', 'shell', WORKER, '--dir', sessions], dir);
    shell.stdin.write('systemctl is-active kubelet\n');
    await page.waitForSelector(`#transcript li:has-text("[${WORKER}] $ systemctl is-active kubelet")`, {
      timeout: 60_000,
    });
    await page.screenshot({ path: join(shots, 'practice-2-transcript.png') });
    shell.stdin.end('systemctl start kubelet\n');
    expect((await shell).exitCode, printed.get(shell)).to.equal(0);

    await page.waitForSelector('body.ended', { timeout: 60_000 });
    await page.screenshot({ path: join(shots, 'practice-3-report.png') });
    const r = await practice;
    expect([0, 1], r.stdout + r.stderr).to.include(r.exitCode);
    const html = readdirSync(sessions).find((f) => f.endsWith('.report.html'))!;
    const json = JSON.parse(readFileSync(join(sessions, html.replace(/html$/, 'json')), 'utf8')) as {
      stepsDone: { index: number }[];
      transcript: { kind: string; text: string }[];
    };
    expect(json.stepsDone.map((s) => s.index)).to.deep.equal([0]);
    expect(json.transcript.filter((t) => t.kind === 'shell').map((t) => t.text)).to.deep.equal([
      'systemctl is-active kubelet',
      'systemctl start kubelet',
    ]);
    expect(await liveReportHtml(page)).to.equal(await reportFileHtml(context, join(sessions, html)));
    await context.close();
  });
});
