import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { IMAGE_TOOLS } from '../../src/schedule/image-tools.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Instruction {
  op: string;
  args: string;
}

interface Stage {
  from: string;
  name?: string;
  body: Instruction[];
}

/** ARG lines before the first FROM: what FROM lines may name as ${...}, with their defaults. */
function globalArgs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*FROM\s/i.test(line)) break;
    const m = /^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?\s*$/i.exec(line);
    if (m) out[m[1]!] = m[2] ?? '';
  }
  return out;
}

/** Dockerfile instructions (continuation lines joined, comments dropped), grouped into build stages. */
function stages(text: string): Stage[] {
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const out: Stage[] = [];
  for (const line of logical) {
    const m = /^(\w+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`not an instruction: ${line}`);
    const op = (m[1] as string).toUpperCase();
    const args = (m[2] as string).trim();
    if (op === 'FROM') {
      const f = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!f) throw new Error(`bad FROM: ${args}`);
      out.push({ from: f[1] as string, ...(f[2] ? { name: f[2] } : {}), body: [] });
      continue;
    }
    const stage = out[out.length - 1];
    if (!stage && op === 'ARG') continue;
    if (!stage) throw new Error(`${op} before FROM`);
    stage.body.push({ op, args });
  }
  return out;
}

/** Node lines in support (nodejs.org/en/about/previous-releases): 22 until April 2027, 24 until April 2028. */
const SUPPORTED_NODE = [22, 24];

/**
 * The image cannot be built in the suite (its base cannot be pulled here, and `npm ci` and apt-get need the
 * network), so its structure is checked: what the runtime stage is made of decides whether
 * `gameday schedule`'s CronJob can run it.
 */
describe('Dockerfile', () => {
  const text = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  const all = stages(text);
  const runtime = all[all.length - 1] as Stage;
  const ops = (op: string): Instruction[] => runtime.body.filter((i) => i.op === op);

  it('issue 13 item 14: the base is pinned by digest on a supported Node line, and no BuildKit frontend is pulled', () => {
    // A `# syntax=` directive makes BuildKit pull that frontend image before anything else.
    expect(text).to.not.match(/^#\s*syntax\s*=/im);
    const args = globalArgs(text);
    for (const s of all) {
      const from = s.from.replace(/^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/, (_m, name: string) => args[name] ?? s.from);
      const m = /^node:(\d+)(?:\.\d+)*-(?:bookworm-|trixie-)?slim@sha256:[0-9a-f]{64}$/.exec(from);
      expect(m, `FROM ${s.from} (${from})`).to.not.equal(null);
      expect(SUPPORTED_NODE).to.include(Number(m![1]));
    }
  });

  it('issue 13 item 13: the runtime stage carries what a scheduled lab run executes in its pod', () => {
    const installed = ops('RUN')
      .filter((i) => /\bapt-get install\b/.test(i.args))
      .flatMap((i) => i.args.split(/\s+/));
    for (const [program, pkg] of Object.entries(IMAGE_TOOLS)) {
      // sh and env are in every Debian image; the others are installed.
      if (['dash', 'coreutils'].includes(pkg)) continue;
      expect(installed, `${program} (${pkg})`).to.include(pkg);
    }
  });

  it('builds in one stage and runs from a second', () => {
    expect(all.length).to.be.at.least(2);
    const build = all[0] as Stage;
    expect(build.name).to.be.a('string');
    expect(build.body.some((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args))).to.equal(true);
    expect(build.body.some((i) => i.op === 'RUN' && /\btsc\b/.test(i.args))).to.equal(true);
  });

  it('installs production dependencies only in the runtime stage, from the lock file', () => {
    const runs = ops('RUN').map((i) => i.args);
    expect(runs.some((r) => /\bnpm ci\b.*--omit=dev/.test(r))).to.equal(true);
    expect(runs.some((r) => /\bnpm (install|i)\b/.test(r))).to.equal(false);
    expect(ops('COPY').some((i) => /\bpackage-lock\.json\b/.test(i.args))).to.equal(true);
  });

  it('copies the compiled dist/ from the build stage, and bin/', () => {
    const build = (all[0] as Stage).name as string;
    expect(ops('COPY').some((i) => new RegExp(`^--from=${build}\\s+\\S*dist/?\\s`).test(i.args))).to.equal(true);
    expect(ops('COPY').some((i) => /^bin\s/.test(i.args))).to.equal(true);
  });

  it('runs bin/gameday.js as the exec-form ENTRYPOINT', () => {
    const [entry] = ops('ENTRYPOINT');
    expect(entry).to.not.equal(undefined);
    const argv = JSON.parse(entry!.args) as string[];
    expect(argv[0]).to.equal('node');
    expect(argv[1]).to.match(/(^|\/)bin\/gameday\.js$/);
  });

  it('runs as a numeric non-root user, so that Kubernetes can verify runAsNonRoot', () => {
    const users = ops('USER');
    expect(users.length).to.be.greaterThan(0);
    const last = (users[users.length - 1] as Instruction).args;
    const [uid] = last.split(':');
    expect(uid).to.match(/^\d+$/);
    expect(Number(uid)).to.be.greaterThan(0);
    // The USER must come after everything that needs root (installing, chown).
    const lastUser = runtime.body.lastIndexOf(users[users.length - 1] as Instruction);
    expect(runtime.body.slice(lastUser).some((i) => i.op === 'RUN')).to.equal(false);
  });

  it('keeps local state, dependencies and build output out of the build context', () => {
    const ignored = readFileSync(path.join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const p of ['node_modules', 'dist', '.git', '.gameday']) expect(ignored, p).to.include(p);
  });
});
