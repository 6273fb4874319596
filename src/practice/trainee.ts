import { KubeConfig } from '@kubernetes/client-node';
import { RealClock } from '../engine/clock.js';
import { formatDuration } from '../kit/duration.js';
import { isMaster } from '../kit/selectors.js';
import { InfrastructureError, InvalidInputError } from '../errors.js';
import { createKube } from '../kube/client.js';
import { ActionLog } from '../targets/target.js';
import { NodeShell, emptyShellState, type ShellBackend, type ShellResult } from './node-shell.js';
import { remoteOps } from '../sim/serve/remote-ops.js';
import { acknowledge, diagnose, recordShell, sessionNow, sinceInjection, takeHint } from './session-state.js';
import type { SessionStore } from './session-store.js';

/**
 * What the trainee's commands do to a practice session (`gameday ack`, `diagnose`, `hint`, and each
 * node-shell command), as library functions returning what to print, so the CLI stays thin and a
 * scripted trainee in a test does exactly what a person does. `now` is the session clock's time; the
 * CLI passes sessionNow(state) for a process of its own.
 */

export function ackSession(store: SessionStore, now?: number): string {
  return store.update((s) => {
    const at = now ?? sessionNow(s);
    const r = acknowledge(s, at, 'ack');
    if (r.before) return 'Acknowledged, but no alert has fired yet: nothing to acknowledge (this does not count).';
    if (!r.first)
      return s.ack
        ? `Already acknowledged at +${formatDuration(sinceInjection(s, s.ack.at))}.`
        : 'Nothing to acknowledge.';
    return `Acknowledged at +${formatDuration(sinceInjection(s, at))} after the fault. Now diagnose it: \`gameday diagnose "<what is broken>"\`.`;
  });
}

export function diagnoseSession(
  store: SessionStore,
  guess: string,
  now?: number,
): { correct: boolean; message: string } {
  if (!guess.trim())
    throw new InvalidInputError(
      'Say what you think is broken, e.g. `gameday diagnose "kubelet stopped on 10.128.38.8"`.',
    );
  return store.update((s) => {
    const d = diagnose(s, now ?? sessionNow(s), guess);
    return { correct: d.correct, message: d.message };
  });
}

export function hintSession(store: SessionStore, now?: number): string {
  return store.update((s) => takeHint(s, now ?? sessionNow(s)).message);
}

/**
 * Runs one node-shell command within a session: the shell's memory (snapshots, moved manifests) comes
 * from the session file and goes back to it, and the command enters the transcript with its exit code.
 */
export async function runInSession(
  store: SessionStore,
  backend: ShellBackend,
  line: string,
  now?: () => number,
): Promise<ShellResult> {
  const before = store.read();
  const clockNow = now ?? (() => sessionNow(store.read()));
  const shell = new NodeShell(backend, clockNow, before.shell[backend.node] ?? emptyShellState());
  const at = clockNow();
  const result = await shell.run(line);
  store.update((s) => {
    s.shell[backend.node] = shell.state;
    if (line.trim()) recordShell(s, at, backend.node, line.trim(), result.exitCode);
  });
  return result;
}

/**
 * The node shell's backend for a simulator served by another process (`gameday sim up` or `gameday
 * practice`): the API through the kubeconfig, host and etcd operations through the control endpoint.
 * Without a context, the node is looked for in every cluster of the kubeconfig (the current one first):
 * node names are unique across a platform, and a person types the node, not its cluster.
 */
export async function remoteShellBackend(o: {
  kubeconfig: string;
  context?: string | undefined;
  /** Without a context: the cluster to look in first (a practice session's). */
  prefer?: string | undefined;
  node: string;
}): Promise<{ backend: ShellBackend; close: () => void }> {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(o.kubeconfig);
  } catch (err) {
    throw new InvalidInputError(`${o.kubeconfig}: cannot read the kubeconfig: ${(err as Error).message}.`);
  }
  const contexts = kc.getContexts().map((c) => c.name);
  if (o.context && !contexts.includes(o.context)) {
    throw new InvalidInputError(`The kubeconfig has no context "${o.context}"; it has: ${contexts.join(', ')}.`);
  }
  const first = o.prefer !== undefined && contexts.includes(o.prefer) ? o.prefer : kc.getCurrentContext();
  const order = o.context
    ? [o.context]
    : [...contexts.filter((c) => c === first), ...contexts.filter((c) => c !== first)];
  const seen: string[] = [];
  for (const context of order) {
    kc.setCurrentContext(context);
    const server = kc.getCurrentCluster()?.server;
    if (!server) throw new InvalidInputError(`${o.kubeconfig}: context "${context}" has no cluster server.`);
    const clock = new RealClock(1);
    const kube = createKube({ cluster: context, config: kc, clock, actions: new ActionLog(), dryRun: false });
    const close = (): void => {
      kube.close();
      clock.close();
    };
    try {
      const nodeObj = await kube.get('nodes', o.node);
      if (!nodeObj) {
        const names = (await kube.list('nodes')).items.map((n) => n.metadata.name);
        seen.push(`${context}: ${names.join(', ')}`);
        close();
        continue;
      }
      const ops = remoteOps(server, { kubeConfig: kc });
      return { backend: { nodes: ops.nodes, etcd: ops.etcd, kube, node: o.node, isMaster: isMaster(nodeObj) }, close };
    } catch (err) {
      close();
      if ((err as { reason?: string }).reason === 'ConnectionRefused') {
        throw new InfrastructureError(
          `Nothing answers at ${server} (from ${o.kubeconfig}): the simulator has stopped. Start \`gameday practice <experiment>\` or \`gameday sim up\` again.`,
          { cause: err },
        );
      }
      throw err;
    }
  }
  throw new InvalidInputError(
    o.context
      ? `No node "${o.node}" in ${o.context}; its nodes are: ${seen[0]?.slice(o.context.length + 2) ?? ''}.`
      : `No node "${o.node}" in any cluster of ${o.kubeconfig}; the nodes are: ${seen.join('; ')}.`,
  );
}
