/**
 * crictl on a proving-ground host: `ps`, `exec`, `logs`, `inspect`, `stop` and `pods` for the static pods the
 * kubelet agent runs (no CRI runtime can run nested here, so the containers are processes that init keeps
 * for the agent, with the same ids ctr shows). Exit codes and messages follow crictl's.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { askInit } from './protocol.js';
import { ago, findContainer, listContainers, podId, RUNTIME_DOWN } from './containers.js';

function fatal(message: string): never {
  process.stderr.write(`time="${new Date().toISOString()}" level=fatal msg="${message}"\n`);
  process.exit(1);
}

const STATE: Record<string, string> = { running: 'Running', paused: 'Running', exited: 'Exited' };

async function main(argv: string[]): Promise<number> {
  const verb = argv[0];
  const rest = argv.slice(1);
  if ((process.getuid?.() ?? 0) !== 0) {
    fatal(
      `validate service connection: validate CRI v1 runtime API for endpoint "unix:///run/containerd/containerd.sock": rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial unix /run/containerd/containerd.sock: connect: permission denied"`,
    );
  }
  const all = await listContainers();
  if (all === undefined) fatal(`validate service connection: ${RUNTIME_DOWN}`);
  switch (verb) {
    case 'ps': {
      const showAll = rest.includes('-a') || rest.includes('--all');
      const quiet = rest.includes('-q') || rest.includes('--quiet');
      const nameAt = rest.findIndex((a) => a === '--name');
      const name = nameAt >= 0 ? rest[nameAt + 1] : rest.find((a) => a.startsWith('--name='))?.slice(7);
      const stateAt = rest.findIndex((a) => a === '--state');
      const state = stateAt >= 0 ? rest[stateAt + 1]?.toLowerCase() : undefined;
      const re = name ? new RegExp(name) : undefined;
      const shown = all
        .filter((c) => (showAll || state ? true : c.state !== 'exited'))
        .filter((c) => !state || STATE[c.state]?.toLowerCase() === state)
        .filter((c) => !re || re.test(c.name))
        .sort((a, b) => b.createdAt - a.createdAt);
      if (quiet) {
        process.stdout.write(shown.map((c) => c.id + '\n').join(''));
        return 0;
      }
      const now = Date.now();
      const rows = [['CONTAINER', 'IMAGE', 'CREATED', 'STATE', 'NAME', 'ATTEMPT', 'POD ID', 'POD']];
      for (const c of shown) {
        rows.push([
          c.id.slice(0, 13),
          c.image,
          ago(now - c.createdAt),
          STATE[c.state] ?? c.state,
          c.name,
          String(c.attempt),
          podId(c).slice(0, 13),
          c.pod,
        ]);
      }
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)) + 3);
      process.stdout.write(
        rows
          .map(
            (r) =>
              r
                .map((v, i) => v.padEnd(widths[i]!))
                .join('')
                .trimEnd() + '\n',
          )
          .join(''),
      );
      return 0;
    }
    case 'pods': {
      const pods = [...new Map(all.filter((c) => c.state !== 'exited').map((c) => [c.pod, c])).values()];
      process.stdout.write('POD ID          NAME                        NAMESPACE     STATE\n');
      for (const c of pods)
        process.stdout.write(`${podId(c).slice(0, 13)}   ${c.pod.padEnd(28)}${c.namespace.padEnd(14)}Ready\n`);
      return 0;
    }
    case 'exec': {
      const args = [...rest];
      while (args[0]?.startsWith('-')) args.shift();
      const [id, ...cmd] = args;
      if (!id || cmd.length === 0) fatal('ID and COMMAND cannot be empty');
      const c = findContainer(all, id);
      if (!c) fatal(`execing command in container: rpc error: code = NotFound desc = container "${id}" not found`);
      if (c.state !== 'running') {
        fatal(`execing command in container: rpc error: code = Unknown desc = container ${c.id} is not running`);
      }
      // The container shares the host's view of the paths its manifest mounts (kubeadm's hostPath volumes
      // at the same paths): the command runs there.
      return new Promise((resolve) => {
        const child = spawn(cmd[0]!, cmd.slice(1), { stdio: 'inherit' });
        child.on('exit', (code, signal) => resolve(code ?? (signal ? 137 : 1)));
        child.on('error', (err) =>
          fatal(`execing command in container: exec failed: unable to start container process: ${err.message}`),
        );
      });
    }
    case 'logs': {
      const tailAt = rest.indexOf('--tail');
      const tail = tailAt >= 0 ? Number(rest[tailAt + 1]) : undefined;
      const id = rest.filter((a, i) => !a.startsWith('-') && i !== tailAt + 1).pop();
      const c = id ? findContainer(all, id) : undefined;
      if (!c) fatal(`rpc error: code = NotFound desc = container "${id ?? ''}" not found`);
      let text = '';
      try {
        text = readFileSync(c.log, 'utf8');
      } catch {
        text = '';
      }
      const lines = text.split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      process.stdout.write((tail !== undefined ? lines.slice(-tail) : lines).map((l) => l + '\n').join(''));
      return 0;
    }
    case 'inspect': {
      const id = rest.find((a) => !a.startsWith('-'));
      const c = id ? findContainer(all, id) : undefined;
      if (!c) fatal(`getting the status of the container "${id ?? ''}": rpc error: code = NotFound`);
      const state =
        c.state === 'exited' ? 'CONTAINER_EXITED' : c.state === 'running' ? 'CONTAINER_RUNNING' : 'CONTAINER_RUNNING';
      const out = {
        status: {
          id: c.id,
          metadata: { attempt: c.attempt, name: c.name },
          state,
          createdAt: new Date(c.createdAt).toISOString(),
          startedAt: new Date(c.startedAt).toISOString(),
          finishedAt: c.finishedAt ? new Date(c.finishedAt).toISOString() : '0001-01-01T00:00:00Z',
          exitCode: c.exitCode ?? 0,
          image: { image: c.image },
          logPath: c.log,
          labels: {
            'io.kubernetes.container.name': c.name,
            'io.kubernetes.pod.name': c.pod,
            'io.kubernetes.pod.namespace': c.namespace,
          },
        },
        info: { pid: c.pid ?? 0, config: { args: c.command } },
      };
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      return 0;
    }
    case 'stop': {
      let code = 0;
      for (const id of rest.filter((a) => !a.startsWith('-'))) {
        const c = findContainer(all, id);
        if (!c) {
          process.stderr.write(`stopping the container "${id}": rpc error: code = NotFound\n`);
          code = 1;
          continue;
        }
        await askInit({ op: 'pod-stop', id: c.id, graceMs: 10_000 });
        process.stdout.write(id + '\n');
      }
      return code;
    }
    default:
      process.stderr.write(
        `crictl: "${verb ?? ''}" is not one of the commands this host answers (ps, pods, exec, logs, inspect, stop)\n`,
      );
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => fatal((err as Error)?.message ?? String(err)),
);
