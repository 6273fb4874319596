import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Argv } from 'yargs';
import type { CommandModule } from '../command.js';
import { InvalidInputError } from '../../errors.js';
import { NodeShell, type ShellBackend, type ShellResult } from '../../practice/node-shell.js';
import { isActive } from '../../practice/session-state.js';
import { DEFAULT_PRACTICE_DIR, findSession, type SessionStore } from '../../practice/session-store.js';
import { remoteShellBackend, runInSession } from '../../practice/trainee.js';
import { findAnnounced, postShellLine } from '../../warroom/announce.js';

/** Where `gameday sim up` writes its kubeconfig by default. */
const SIM_UP_KUBECONFIG = '.gameday/sim/kubeconfig';

export const node: CommandModule = {
  command: 'node <action> <name> [command..]',
  describe:
    "A shell on a simulated node for the runbook's host steps: `node shell <node>`, `node exec <node> -- <command>`",
  builder: (y: Argv) =>
    y
      .positional('action', {
        choices: ['shell', 'exec'] as const,
        describe: 'shell: interactive; exec: run one command and exit with its status',
      })
      .positional('name', { type: 'string', describe: 'The node (its name, e.g. 10.128.38.8)' })
      .positional('command', { type: 'string', array: true, describe: 'exec: the command line (after --)' })
      .option('kubeconfig', {
        type: 'string',
        describe: "The simulator's kubeconfig (default: the running practice session's, else .gameday/sim/kubeconfig)",
      })
      .option('context', {
        type: 'string',
        describe:
          "The cluster (kubeconfig context) the node is in (default: whichever cluster has it, the session's first)",
      })
      .option('session', {
        type: 'string',
        describe: 'The practice session to record into (default: the running one, if any)',
      })
      .option('dir', { type: 'string', default: DEFAULT_PRACTICE_DIR, describe: 'Where practice session files are' })
      .parserConfiguration({ 'populate--': true }),
  handler: async (args) => {
    const name = String(args.name);
    const store = sessionFor(String(args.dir), args.session as string | undefined);
    const state = store?.read();
    const kubeconfig =
      (args.kubeconfig as string | undefined) ??
      state?.kubeconfig ??
      (existsSync(SIM_UP_KUBECONFIG) ? resolve(SIM_UP_KUBECONFIG) : undefined);
    if (!kubeconfig) {
      throw new InvalidInputError(
        "No simulator to log in to: start `gameday practice <experiment>` or `gameday sim up`, or pass --kubeconfig with the simulator's kubeconfig. (On kind and lab clusters, use docker exec or ssh.)",
      );
    }
    const { backend, close } = await remoteShellBackend({
      kubeconfig,
      context: args.context as string | undefined,
      prefer: state?.cluster,
      node: name,
    });
    try {
      if (args.action === 'exec') {
        const words = [
          ...((args.command as string[] | undefined) ?? []),
          ...((args['--'] as string[] | undefined) ?? []),
        ].map(String);
        if (words.length === 0)
          throw new InvalidInputError('gameday node exec <node> -- <command>: the command is missing.');
        // As ssh does: the words are joined with spaces and the node's shell parses the line again.
        const r = await runLine(backend, store, words.join(' '));
        if (r.stdout) process.stdout.write(r.stdout);
        if (r.stderr) process.stderr.write(r.stderr);
        return r.exitCode;
      }
      return await interactive(backend, store);
    } finally {
      close();
    }
  },
};

/** A running session to record into, if there is one; never an error when there is none. */
function sessionFor(dir: string, id: string | undefined): SessionStore | undefined {
  if (id) return findSession(dir, id);
  try {
    const s = findSession(dir);
    return isActive(s.read()) ? s : undefined;
  } catch {
    return undefined;
  }
}

async function runLine(backend: ShellBackend, store: SessionStore | undefined, line: string): Promise<ShellResult> {
  if (store) return runInSession(store, backend, line);
  const r = await new NodeShell(backend, () => Date.now()).run(line);
  // Outside practice, a `gameday run --serve` in this directory shows what is typed on its page.
  const room = line.trim() ? findAnnounced() : undefined;
  if (room) await postShellLine(room, { node: backend.node, command: line.trim(), exitCode: r.exitCode });
  return r;
}

async function interactive(backend: ShellBackend, store: SessionStore | undefined): Promise<number> {
  const out = process.stdout;
  out.write(
    `Simulated host ${backend.node}${backend.isMaster ? ' (master)' : ''}. Type \`help\` for the commands simulated here, \`exit\` to leave.\n`,
  );
  if (store) out.write('Every command is recorded in the practice transcript.\n');
  const rl = createInterface({
    input: process.stdin,
    output: out,
    prompt: `root@${backend.node}:~# `,
    terminal: Boolean(process.stdin.isTTY),
  });
  let last = 0;
  rl.prompt();
  // Ctrl-C clears the line, as a shell does; Ctrl-D or `exit` leaves.
  rl.on('SIGINT', () => {
    out.write('^C\n');
    rl.prompt();
  });
  for await (const line of rl) {
    if (!line.trim()) {
      rl.prompt();
      continue;
    }
    let r: ShellResult;
    try {
      r = await runLine(backend, store, line);
    } catch (err) {
      r = { stdout: '', stderr: `gameday: ${(err as Error).message}\n`, exitCode: 255 };
    }
    if (r.stdout) out.write(r.stdout);
    if (r.stderr) process.stderr.write(r.stderr);
    last = r.exitCode;
    if (r.exit) break;
    rl.prompt();
  }
  rl.close();
  out.write('logout\n');
  return last;
}
