import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import type { CommandModule } from '../command.js';
import { RealClock } from '../../engine/clock.js';
import { Simulator } from '../../sim/simulator.js';
import { defaultTopology } from '../../sim/topology/default-topology.js';
import { loadTopology } from '../../sim/topology/load-topology.js';
import { DEFAULT_PARAMS } from '../../sim/params.js';
import { writeKubeconfig } from '../../sim/apiserver/kubeconfig.js';
import { controlEndpoint } from '../../sim/serve/control-endpoint.js';
import { InvalidInputError } from '../../errors.js';
import { EXIT } from '../exit-codes.js';
import { parseSeed } from '../seed-option.js';
import { openWarRoom, serveAddress, serveOption } from '../serve-option.js';
import { createKube } from '../../kube/client.js';
import { ActionLog } from '../../targets/target.js';
import { simPowerSource } from '../../targets/sim/power-source.js';

export const DEFAULT_SIM_KUBECONFIG = '.gameday/sim/kubeconfig';

export const sim: CommandModule = {
  command: 'sim <action>',
  describe: 'Serve the simulated platform in real time for kubectl and people (`gameday sim up`)',
  builder: (y: Argv) =>
    serveOption(y, "the simulated platform's nodes and workloads")
      .positional('action', { choices: ['up'] as const, describe: 'up: serve the simulated clusters until Ctrl-C' })
      .option('topology', { type: 'string', describe: 'Topology file (default: the Qingzhou platform, 3 clusters)' })
      .option('kubeconfig', {
        type: 'string',
        default: DEFAULT_SIM_KUBECONFIG,
        describe: 'Where to write the kubeconfig (one context per cluster)',
      })
      .option('speed', { type: 'number', default: 1, describe: 'Run N times faster than real time' })
      .option('seed', { default: 1, coerce: parseSeed, describe: 'Seed for every random choice' })
      .option('port', { type: 'number', describe: 'First port to listen on (then port+1, ...); default: free ports' }),
  handler: async (args) => {
    const speed = Number(args.speed);
    if (!(speed > 0) || speed > 10_000)
      throw new InvalidInputError(`--speed: expected a number between 0 and 10000, got ${String(args.speed)}.`);
    const loaded = args.topology ? loadTopology(args.topology as string) : undefined;
    const topology = loaded?.topology ?? defaultTopology();
    const port = args.port as number | undefined;
    const clock = new RealClock(speed);
    const simulator = await Simulator.start({
      topology,
      params: loaded?.params ?? DEFAULT_PARAMS,
      clock,
      seed: Number(args.seed),
      serve: true,
      tls: true,
      ...(port ? { ports: topology.clusters.map((_, i) => port + i) } : {}),
      control: (c) => controlEndpoint(c),
    });
    const kubeconfig = resolve(args.kubeconfig as string);
    await writeKubeconfig(
      kubeconfig,
      [...simulator.clusters.values()].map((c) => ({
        cluster: c.name,
        url: c.server!.url,
        token: simulator.token,
        ca: simulator.ca,
      })),
    );
    const out = process.stdout;
    out.write(
      `gameday sim: ${simulator.clusters.size} simulated cluster(s), ${speed === 1 ? 'real time' : `${speed}x real time`}, seed ${String(args.seed)}\n`,
    );
    for (const c of simulator.clusters.values())
      out.write(`  ${c.name.padEnd(10)} ${c.server!.url}  (${c.hosts.names().length} nodes)\n`);
    out.write(
      `\nexport KUBECONFIG=${kubeconfig}\nkubectl --context ${[...simulator.clusters.keys()][0] ?? ''} get nodes\n\n`,
    );
    const listen = serveAddress(args);
    const room = listen
      ? await openWarRoom({ listen, mode: 'platform', title: 'simulated platform' }, (l) => out.write(l + '\n'))
      : undefined;
    const kubes = new Map(
      room
        ? [...simulator.clusters.keys()].map(
            (name) =>
              [
                name,
                createKube({
                  cluster: name,
                  config: simulator.kubeConfig(name),
                  clock,
                  actions: new ActionLog(),
                  dryRun: false,
                }),
              ] as const,
          )
        : [],
    );
    room?.watchPlatform(
      kubes,
      clock,
      simPowerSource(simulator),
      `${simulator.clusters.size} clusters · ${speed === 1 ? 'real time' : `${speed}x real time`} · seed ${String(args.seed)}`,
    );
    out.write('The platform is coming up (a minute of simulated time). Ctrl-C stops the simulator.\n');
    simulator.settle(600_000).then(
      () => out.write('All nodes Ready and every workload available.\n'),
      (err: unknown) => out.write(`The platform did not settle: ${(err as Error).message}\n`),
    );
    await new Promise<void>((done) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        done();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    out.write('\nStopping the simulator.\n');
    await room?.close();
    for (const k of kubes.values()) k.close();
    await simulator.close();
    return EXIT.ok;
  },
};
