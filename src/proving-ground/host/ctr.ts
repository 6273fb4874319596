/**
 * ctr on a proving-ground host. Tasks of the static pods the agent runs (`tasks kill|pause|resume|ls` in
 * namespace k8s.io, with crictl's ids) and `run` of an image the node holds (a static pod's image, e.g. a
 * one-off etcd restore) are answered here; everything else goes to Debian's real ctr, which talks to the
 * real containerd. `run` executes the command on the host: the image's binaries are the host's.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { askInit, RUN_DIR } from './protocol.js';
import { findContainer, listContainers, RUNTIME_DOWN } from './containers.js';

const REAL_CTR = '/usr/bin/ctr';
const SIGNALS = new Set(['SIGKILL', 'SIGTERM', 'SIGSTOP', 'SIGCONT']);
/** `ctr run` options that take a value. */
const VALUE_FLAGS = new Set([
  '--mount',
  '--env',
  '--env-file',
  '--label',
  '--cwd',
  '--user',
  '-u',
  '--runtime',
  '--snapshotter',
  '--cgroup',
  '--platform',
  '--memory-limit',
  '--cpus',
  '--pid-file',
  '--fifo-dir',
  '--with-ns',
  '--annotation',
  '--hostname',
]);

function fail(message: string): never {
  process.stderr.write(`ctr: ${message}\n`);
  process.exit(1);
}

function passThrough(argv: string[]): never {
  const r = spawnSync(REAL_CTR, argv, { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

/** Images the node holds: those of its static pods, active or parked, and of containers it ran. */
function nodeImages(containers: readonly { image: string }[]): Set<string> {
  const images = new Set(containers.map((c) => c.image));
  for (const dir of ['/etc/kubernetes/manifests', '/etc/kubernetes']) {
    let files: string[] = [];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    } catch {
      continue;
    }
    for (const f of files) {
      for (const m of readFileSync(`${dir}/${f}`, 'utf8').matchAll(/^\s*image:\s*(\S+)/gm)) images.add(m[1]!);
    }
  }
  return images;
}

async function tasks(argv: string[], sub: string | undefined, args: string[]): Promise<number> {
  const all = await listContainers();
  if (all === undefined) fail(RUNTIME_DOWN);
  const ids = args.filter((a, i) => !a.startsWith('-') && !['-s', '--signal'].includes(args[i - 1] ?? ''));
  switch (sub) {
    case 'ls':
    case 'list': {
      process.stdout.write('TASK' + ' '.repeat(62) + 'PID     STATUS\n');
      for (const c of all.filter((x) => x.state !== 'exited')) {
        process.stdout.write(`${c.id}    ${String(c.pid ?? 0).padEnd(8)}${c.state.toUpperCase()}\n`);
      }
      return 0;
    }
    case 'kill':
    case 'pause':
    case 'resume': {
      const id = ids[0];
      const c = id ? findContainer(all, id) : undefined;
      if (!c) return passThrough(argv);
      let signal = 'SIGSTOP';
      if (sub === 'resume') signal = 'SIGCONT';
      if (sub === 'kill') {
        const at = args.findIndex((a) => a === '-s' || a === '--signal');
        const s = at >= 0 ? (args[at + 1] ?? 'SIGTERM') : 'SIGTERM';
        signal = s.startsWith('SIG') ? s : `SIG${s}`;
      }
      if (!SIGNALS.has(signal)) fail(`signal ${signal} is not one this host sends`);
      const r = await askInit({ op: 'pod-signal', id: c.id, signal: signal as 'SIGKILL' });
      if (!r.ok) fail(`${r.error}: not found`);
      return 0;
    }
    default:
      return passThrough(argv);
  }
}

async function run(argv: string[], args: string[]): Promise<number> {
  const flags: string[] = [];
  let i = 0;
  for (; i < args.length && args[i]!.startsWith('-'); i++) {
    const a = args[i]!;
    if (VALUE_FLAGS.has(a)) {
      flags.push(`${a}=${args[i + 1] ?? ''}`);
      i++;
    } else flags.push(a);
  }
  const [image, id, ...cmd] = args.slice(i);
  if (!image || !id) fail('image ref and container id must be provided');
  const all = await listContainers();
  if (all === undefined) fail(RUNTIME_DOWN);
  if (!nodeImages(all).has(image)) return passThrough(argv);
  for (const f of flags.filter((x) => x.startsWith('--mount='))) {
    const src = /(?:^|,)src=([^,]+)/.exec(f)?.[1];
    const dst = /(?:^|,)dst(?:ination)?=([^,]+)/.exec(f)?.[1];
    if (src !== dst) fail(`this host runs ${image} in place: only bind mounts at the same path are possible (${f})`);
  }
  const marker = `${RUN_DIR}/ctr-run/${id}`;
  if (existsSync(marker)) fail(`failed to create container "${id}": container "${id}": already exists`);
  mkdirSync(`${RUN_DIR}/ctr-run`, { recursive: true });
  writeFileSync(marker, `${image}\n`);
  const env: Record<string, string> = { ...(process.env as Record<string, string>) };
  for (const f of flags.filter((x) => x.startsWith('--env='))) {
    const kv = f.slice('--env='.length);
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const cwd = flags.find((x) => x.startsWith('--cwd='))?.slice('--cwd='.length);
  if (cmd.length === 0) fail(`${image} has no default command on this host: give one`);
  const code = await new Promise<number>((resolve) => {
    const child = spawn(cmd[0]!, cmd.slice(1), { stdio: 'inherit', env, ...(cwd ? { cwd } : {}) });
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 137 : 1)));
    child.on('error', (err) => {
      process.stderr.write(
        `ctr: failed to create shim task: OCI runtime create failed: exec: "${cmd[0]!}": ${err.message}\n`,
      );
      resolve(128);
    });
  });
  if (flags.includes('--rm')) rmSync(marker, { force: true });
  return code;
}

async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  // Global options: -n/--namespace, -a/--address.
  while (args[0]?.startsWith('-')) {
    const a = args.shift()!;
    if (['-n', '--namespace', '-a', '--address'].includes(a)) args.shift();
  }
  const [cmd, ...rest] = args;
  if ((process.getuid?.() ?? 0) !== 0 && (cmd === 'tasks' || cmd === 'task' || cmd === 't' || cmd === 'run')) {
    fail(
      'failed to dial "/run/containerd/containerd.sock": connection error: desc = "transport: error while dialing: dial unix /run/containerd/containerd.sock: connect: permission denied"',
    );
  }
  if (cmd === 'tasks' || cmd === 'task' || cmd === 't') return tasks(argv, rest[0], rest.slice(1));
  if (cmd === 'run') return run(argv, rest);
  return passThrough(argv);
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => fail((err as Error)?.message ?? String(err)),
);
