import { nodeFault, rememberAddresses, rememberedAddress, type NodeFaultParams } from '../kit/node-fault.js';
import { nodeArg, nodesInWords } from '../kit/describe.js';
import { powerOnAndWait } from '../kit/boot.js';

export interface PowerOffNodeParams extends NodeFaultParams {
  how?: 'crash' | 'shutdown';
}

/**
 * D1 host crash, D2 power loss: the host dies at once; revert powers it on, on the address it had (kept in
 * the journal: a kind node restarted by docker may otherwise get another), and waits until it answers.
 */
export const powerOffNode = nodeFault<PowerOffNodeParams>({
  needs: ['power'],
  name: 'power-off-node',
  summary:
    'Power nodes off at once, as a host crash or power loss does (or shut them down in order); revert powers them on and waits until they answer.',
  params: {
    how: {
      enum: ['crash', 'shutdown'],
      description:
        'crash: the host stops at once, nothing shut down in order (default; kind: docker kill, lab: the powerOff command); shutdown: an orderly shutdown (kind: docker stop, which kind nodes take as systemd poweroff; lab: the shutdown command).',
    },
  },
  stopsEtcd: true,
  stopsHost: true,
  remember: (ctx, nodes) => rememberAddresses(ctx, nodes),
  inject: (ctx, node, p) => ctx.nodes.power(node, p.how === 'shutdown' ? 'shutdown' : 'off'),
  revert: (ctx, node, _p, plan) => powerOnAndWait(ctx, node, { address: rememberedAddress(plan, node) }),
  describe: (p) =>
    p.how === 'shutdown'
      ? `Shut ${nodesInWords(p.nodes)} down in order: \`systemctl poweroff\` on ${nodeArg(p.nodes)}; on kind \`docker stop ${nodeArg(p.nodes)}\`.`
      : `Power off ${nodesInWords(p.nodes)} (host crash): IPMI \`power off\` or \`echo o > /proc/sysrq-trigger\` on ${nodeArg(p.nodes)}; on kind \`docker kill ${nodeArg(p.nodes)}\`.`,
});
