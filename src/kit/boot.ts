import { TimeoutError } from '../errors.js';
import { formatDuration } from './duration.js';
import type { PluginContext } from './plugin.js';

/** How long a host may take from power-on until it answers: servers spend minutes in firmware. */
export const BOOT_TIMEOUT_MS = 10 * 60_000;
const PROBE_EVERY_MS = 2_000;
const PROGRESS_EVERY_MS = 30_000;

/**
 * Power `node` on and wait until it answers: its service manager says what state the kubelet is in
 * (`systemctl is-active kubelet` over ssh or docker exec). Until then the next step of a runbook
 * (`systemctl restart kubelet`) fails: "Failed to connect to bus" on kind while systemd starts, ssh exit
 * 255 on a lab host still in its firmware. Bounded by `timeoutMs`, with a note every 30 s.
 */
export async function powerOnAndWait(
  ctx: PluginContext,
  node: string,
  options: { address?: string | undefined; timeoutMs?: number } = {},
): Promise<void> {
  await ctx.nodes.power(node, 'on', options.address !== undefined ? { address: options.address } : {});
  if (ctx.dryRun) return;
  const timeoutMs = options.timeoutMs ?? BOOT_TIMEOUT_MS;
  const started = ctx.clock.now();
  let noted = started;
  for (;;) {
    const state = await ctx.nodes.serviceState(node, 'kubelet').catch(() => 'unknown' as const);
    const now = ctx.clock.now();
    if (state !== 'unknown') {
      ctx.note(`${node} answers ${formatDuration(now - started)} after power-on (kubelet ${state})`);
      return;
    }
    if (now - started >= timeoutMs) {
      throw new TimeoutError(
        `${ctx.cluster}: ${node} did not answer within ${formatDuration(timeoutMs)} of being powered on (its service manager cannot be reached); check its console.`,
      );
    }
    if (now - noted >= PROGRESS_EVERY_MS) {
      ctx.note(
        `waiting for ${node} to boot: ${formatDuration(now - started)} so far, at most ${formatDuration(timeoutMs)}`,
      );
      noted = now;
    }
    await ctx.clock.sleep(PROBE_EVERY_MS, ctx.signal);
  }
}
