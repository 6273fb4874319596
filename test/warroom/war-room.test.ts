import { expect } from 'chai';
import { request } from 'node:http';
import { runExperiment } from '../../src/engine/runner.js';
import type { LoadedExperiment } from '../../src/experiment/types.js';
import { reportContent } from '../../src/report/html.js';
import type { RunResult } from '../../src/report/result.js';
import { SimTarget } from '../../src/targets/sim/sim-target.js';
import { powerSourceOf } from '../../src/targets/sim/power-source.js';
import type { PatchOp } from '../../src/warroom/server.js';
import { WarRoom } from '../../src/warroom/war-room.js';
import { postShellLine } from '../../src/warroom/announce.js';
import { kubeletDrill, tempDir } from '../e2e/support.js';
import { META } from '../report/fixtures.js';

const WORKER = '10.128.38.10';

/** Follows the page's event stream like a browser does, keeping the latest markup of every fragment. */
class PageFeed {
  readonly fragments = new Map<string, string>();
  readonly history: PatchOp[] = [];
  ended = false;
  private readonly waiters: (() => void)[] = [];
  private readonly req;

  constructor(url: string) {
    const u = new URL(url);
    this.req = request(`${u.origin}/events${u.search}`, (res) => {
      let buf = '';
      res.on('data', (c: Buffer) => {
        buf += c.toString();
        let end: number;
        while ((end = buf.indexOf('\n\n')) !== -1) {
          const data = /^data: (.*)$/m.exec(buf.slice(0, end))?.[1];
          buf = buf.slice(end + 2);
          if (!data) continue;
          for (const op of JSON.parse(data) as PatchOp[]) {
            this.history.push(op);
            if (op.op === 'html') this.fragments.set(op.id, op.html);
            if (op.op === 'end') this.ended = true;
          }
          for (const w of this.waiters.splice(0)) w();
        }
      });
    });
    this.req.on('error', () => undefined);
    this.req.end();
  }

  /** Resolves once `ok` holds for the fragments received (checked on every patch). */
  until(ok: (f: Map<string, string>) => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the page never showed ${what}`)), timeoutMs);
      const check = (): void => {
        if (ok(this.fragments)) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      check();
    });
  }

  close(): void {
    this.req.destroy();
  }
}

function post(room: WarRoom, action: string, body: unknown): Promise<{ status: number; message: string }> {
  const u = new URL(room.url);
  return new Promise((resolve, reject) => {
    const req = request(
      `${u.origin}/api/${action}${u.search}`,
      { method: 'POST', headers: { origin: u.origin, 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, message: (JSON.parse(text) as { message: string }).message }),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('war room: a drill followed on the page', function () {
  this.timeout(60_000);

  it('shows the tiles, the checklist a person marks, and ends on the report with the step in it', async () => {
    const loaded: LoadedExperiment = {
      file: 'wr-manual.json',
      experiment: kubeletDrill({
        id: 'wr-manual',
        recovery: { mode: 'manual', steps: [{ type: 'start-service', service: 'kubelet', nodes: { from: 'faults' } }] },
      }),
    };
    const room = await WarRoom.start({ listen: { host: '127.0.0.1', port: 0 }, mode: 'run', title: '1 drill on sim' });
    const target = await SimTarget.create({ seed: 1 });
    const page = new PageFeed(room.url);
    let person: Promise<void> | undefined;
    let result: RunResult;
    try {
      room.setQueue([loaded]);
      const drillTarget = room.beginDrill(0, loaded, target, { dryRun: false, power: powerSourceOf(target)! });
      result = await runExperiment(loaded, drillTarget, {
        seed: 1,
        dryRun: false,
        signal: new AbortController().signal,
        journalDir: tempDir('wr-journal'),
        journalTarget: { kind: 'sim', embedded: true },
        onProgress: (p) => {
          room.progress(p);
          if (p.type !== 'manual') return;
          // A person takes their time: the simulated clock waits for them, as it does for any work in progress.
          const release = target.clock.hold('a person in the war room');
          person = (async () => {
            try {
              await page.until(
                (f) =>
                  /data-node="10\.128\.38\.10" data-cluster="business" data-state="NotReady"/.test(
                    f.get('clusters') ?? '',
                  ) && (f.get('checklist') ?? '').includes('data-action="step" data-index="0"'),
                'the worker NotReady and the step to mark',
              );
              expect((await post(room, 'step', { index: 3 })).status).to.equal(400);
              const marked = await post(room, 'step', { index: 0 });
              expect(marked).to.deep.equal({ status: 200, message: 'Step 1 marked done.' });
              expect((await post(room, 'step', { index: 0 })).status).to.equal(409);
              await page.until(
                (f) => (f.get('checklist') ?? '').includes('class="done" data-step="0"'),
                'the step done',
              );
              // What the person types in `gameday node shell` (another process, no Origin) joins the transcript.
              const token = new URL(room.url).searchParams.get('token')!;
              await postShellLine(
                { url: room.url, token, pid: process.pid },
                { node: WORKER, command: 'systemctl start kubelet', exitCode: 0 },
              );
              await page.until(
                (f) => (f.get('transcript') ?? '').includes(`<b>[${WORKER}] $</b> systemctl start kubelet`),
                'the command typed',
              );
              await target.nodes('business').service(WORKER, 'kubelet', 'start');
            } finally {
              release();
            }
          })();
        },
      });
      await person;
      result = room.endDrill(result);
      expect(result.verdict).to.equal('pass');
      const step = result.steps.find((s) => s.type === 'start-service')!;
      expect(step.description).to.contain('marked done in the war room');
      expect(step.endedAt).to.be.at.least(result.phases.find((p) => p.name === 'recover')!.startedAt);
      expect((await post(room, 'step', { index: 0 })).status, 'after the drill').to.equal(409);
      expect(result.timeline.map((t) => t.text)).to.include(`node shell on ${WORKER}: $ systemctl start kubelet`);

      room.finish(reportContent([result], META), 'over');
      await page.until(() => page.ended, 'the end');
      const live = page.fragments.get('live')!;
      expect(live).to.equal(`<p class="over-banner">over</p>\n${reportContent([result], META).join('\n')}`);
      // The countdown stopped at what was measured.
      const targets = [...page.history].reverse().find((o) => o.op === 'html' && o.id === 'targets');
      expect(targets && targets.op === 'html' && targets.html).to.contain(
        `data-measured="${result.timings.timeToDetect}"`,
      );
    } finally {
      page.close();
      await room.close();
      await target.close();
    }
  });
});
