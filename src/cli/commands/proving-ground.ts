import type { Argv } from 'yargs';
import type { CommandModule } from '../command.js';
import { InvalidInputError } from '../../errors.js';
import { EXIT } from '../exit-codes.js';
import { checkName, DEFAULT_NAME, defaultStateDir } from '../../proving-ground/layout.js';

function nameOf(args: Record<string, unknown>): string {
  return typeof args['name'] === 'string' ? args['name'] : DEFAULT_NAME;
}

function stateDir(args: Record<string, unknown>): string {
  const name = checkName(nameOf(args));
  return (args['state-dir'] as string | undefined) ?? defaultStateDir(name);
}

function duration(v: unknown): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(String(v));
  if (!m) throw new InvalidInputError(`--boot-delay: expected a duration like 3s or 500ms, got "${String(v)}".`);
  return Number(m[1]) * (m[2] === 'm' ? 60_000 : m[2] === 'ms' ? 1 : 1000);
}

const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/**
 * `gameday proving-ground up|down|status`: real hosts under the simulated API, for the kind and lab targets
 * (see src/proving-ground). `up` returns once the ground is ready and leaves the simulator running in the
 * background; `down` removes everything `up` created. `serve` is that background process.
 */
export const provingGround: CommandModule = {
  command: 'proving-ground <action>',
  describe: 'Real hosts (containers with sshd, systemctl, a kubelet agent, TLS etcd, BMCs) under the simulated API',
  builder: (y: Argv) =>
    y
      .positional('action', {
        choices: ['up', 'down', 'status', 'image', 'serve'] as const,
        describe:
          'up: bring a ground up and return; down: remove it; status: what runs; image: build (or import from the cache) the host image only; serve: the background simulator (started by up)',
      })
      .option('name', {
        type: 'string',
        default: DEFAULT_NAME,
        describe: 'Cluster name: hosts <name>-control-plane..., context kind-<name>',
      })
      .option('state-dir', {
        type: 'string',
        describe: 'Where state, kubeconfig and lab profile go (default .gameday/proving-ground/<name>)',
      })
      .option('boot-delay', {
        type: 'string',
        default: '3s',
        describe: 'How long a host takes from power-on to its services starting',
      }),
  handler: async (args) => {
    const dir = stateDir(args);
    const name = nameOf(args);
    switch (args['action']) {
      case 'up': {
        const { provingGroundUp } = await import('../../proving-ground/up.js');
        const r = await provingGroundUp({ name, dir, bootDelayMs: duration(args['boot-delay']), progress });
        const out = process.stdout;
        out.write(
          `proving ground "${name}" is up (${(r.timings['total']! / 1000).toFixed(1)} s; host image ${r.image.how}).\n\n`,
        );
        for (const h of r.state.hosts) {
          out.write(
            `  ${h.name.padEnd(28)} ${h.ip.padEnd(14)} ssh 127.0.0.1:${h.sshPort ?? ''}  bmc ${h.bmc ?? ''}:${r.state.bmcPort ?? ''}\n`,
          );
        }
        out.write(`\n  kubeconfig   ${r.kubeconfig}   (context kind-${name})\n  lab profile  ${r.profile}\n\n`);
        out.write(
          `gameday run experiments/ --target kind --kind-cluster ${name} --tag kind --kubeconfig ${r.kubeconfig}\n`,
        );
        out.write(`gameday run experiments/ --target lab --profile ${r.profile} --yes\n`);
        out.write(`gameday proving-ground down --name ${name}\n`);
        return EXIT.ok;
      }
      case 'down': {
        const { provingGroundDown } = await import('../../proving-ground/down.js');
        const r = await provingGroundDown({ dir, progress });
        for (const s of r.skipped) process.stderr.write(`proving-ground ${name}: left alone: ${s}\n`);
        return EXIT.ok;
      }
      case 'status': {
        const { provingGroundStatus } = await import('../../proving-ground/status.js');
        const s = await provingGroundStatus(dir);
        if (!s) {
          process.stdout.write(`No proving ground "${name}" here (${dir}).\n`);
          return EXIT.ok;
        }
        const out = process.stdout;
        out.write(`proving ground "${name}" (${dir})\n`);
        out.write(
          `  simulator: ${s.simulatorRunning ? `running, ${s.serve?.phase ?? '?'}, API ${s.serve?.apiUrl ?? '?'}` : 'not running'}\n`,
        );
        for (const h of s.hosts) out.write(`  ${h.name.padEnd(28)} ${h.ip.padEnd(14)} ${h.container}\n`);
        if (s.health) {
          out.write(`  nodes not Ready: ${s.health.notReady.join(', ') || 'none'}\n`);
          out.write(`  workloads unavailable: ${s.health.unavailable.join(', ') || 'none'}\n`);
        }
        if (s.healthError) out.write(`  API: ${s.healthError}\n`);
        out.write(`  kubeconfig ${s.kubeconfig}\n  lab profile ${s.profile}\n`);
        return EXIT.ok;
      }
      case 'image': {
        const { requireDocker } = await import('../../proving-ground/tools.js');
        const { ensureImage } = await import('../../proving-ground/image.js');
        await requireDocker();
        const r = await ensureImage(progress);
        process.stdout.write(`${r.tag} ${r.how} in ${(r.ms / 1000).toFixed(1)} s\n`);
        return EXIT.ok;
      }
      case 'serve': {
        const { serveGround } = await import('../../proving-ground/serve.js');
        return serveGround(dir);
      }
      default:
        throw new InvalidInputError(`Unknown action ${String(args['action'])}.`);
    }
  },
};
