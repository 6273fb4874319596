import { InfrastructureError, InvalidInputError } from '../../errors.js';
import { ballastSize } from '../common/quantity.js';
import type {
  ControlPlaneComponent,
  NewNodeSpec,
  NodeOps,
  NodeService,
  PowerAction,
  ServiceAction,
} from '../target.js';
import { SSH_UNREACHABLE, type LabHosts } from './lab-hosts.js';
import { unitFor } from './profile.js';

const SERVICE_COMMAND = { stop: 'serviceStop', start: 'serviceStart', restart: 'serviceRestart' } as const;

/** Host-level operations on a lab cluster: the profile's command templates, over ssh or run locally. */
export class LabNodeOps implements NodeOps {
  constructor(private readonly hosts: LabHosts) {}

  private unit(service: NodeService): string {
    return unitFor(this.hosts.profile, this.hosts.cluster, service === 'kubelet' ? 'kubelet' : 'containerRuntime');
  }

  manifestName(component: ControlPlaneComponent): string {
    return this.hosts.cluster.manifests?.[component] ?? `${component}.yaml`;
  }

  async service(node: string, service: NodeService, action: ServiceAction): Promise<void> {
    await this.hosts.runTemplate(SERVICE_COMMAND[action], node, { unit: this.unit(service) });
  }

  async power(node: string, action: PowerAction): Promise<void> {
    if (action === 'on') {
      await this.hosts.runTemplate('powerOn', node, {});
      return;
    }
    // A host going down over ssh often takes the connection with it: exit 255 then means it worked.
    const r = await this.hosts.runTemplate(
      action === 'off' ? 'powerOff' : 'shutdown',
      node,
      {},
      { allowFailure: true },
    );
    if (r.exitCode !== 0 && !(r.where === 'ssh' && r.exitCode === SSH_UNREACHABLE)) {
      throw new InfrastructureError(`\`${r.text}\` exited with ${r.exitCode}: ${r.stderr.trim()}`);
    }
  }

  /** A lab host keeps its address: the one the profile names. */
  address(node: string): Promise<string | undefined> {
    return Promise.resolve(this.hosts.host(node));
  }

  async network(node: string, action: 'disconnect' | 'connect'): Promise<void> {
    await this.hosts.runTemplate(action === 'disconnect' ? 'networkDisconnect' : 'networkConnect', node, {});
  }

  async freeze(node: string, action: 'pause' | 'unpause'): Promise<void> {
    await this.hosts.runTemplate(action === 'pause' ? 'freeze' : 'unfreeze', node, {});
  }

  async manifest(node: string, component: ControlPlaneComponent, action: 'out' | 'in'): Promise<void> {
    await this.hosts.runTemplate(action === 'out' ? 'manifestOut' : 'manifestIn', node, {
      component,
      manifest: this.manifestName(component),
    });
  }

  async pressure(node: string, resource: 'memory' | 'disk', amount: string): Promise<void> {
    const bytes = await ballastSize(amount, () =>
      resource === 'memory' ? this.memoryUsage(node) : this.diskUsage(node),
    );
    if (bytes <= 0)
      throw new InfrastructureError(`${node}'s ${resource} is already used beyond ${amount}; no ballast needed.`);
    await this.hosts.runTemplate(resource === 'memory' ? 'memoryPressure' : 'diskPressure', node, {
      bytes: String(bytes),
    });
  }

  async relieve(node: string, resource: 'memory' | 'disk'): Promise<void> {
    await this.hosts.runTemplate(resource === 'memory' ? 'memoryRelieve' : 'diskRelieve', node, {});
  }

  async overload(node: string, action: 'start' | 'stop'): Promise<void> {
    await this.hosts.runTemplate(action === 'start' ? 'overloadStart' : 'overloadStop', node, {});
  }

  async addNode(spec: NewNodeSpec): Promise<string> {
    if (!spec.name)
      throw new InvalidInputError('On a lab cluster, adding a node needs the name of the spare host to join (name).');
    await this.hosts.runTemplate('addNode', spec.name, { role: spec.role ?? 'worker' });
    return spec.name;
  }

  async removeNode(node: string): Promise<void> {
    await this.hosts.runTemplate('removeNode', node, {});
  }

  async serviceState(node: string, service: NodeService): Promise<'active' | 'inactive' | 'unknown'> {
    const r = await this.hosts.runTemplate(
      'serviceState',
      node,
      { unit: this.unit(service) },
      { readOnly: true, allowFailure: true },
    );
    if (r.where === 'ssh' && r.exitCode === SSH_UNREACHABLE) return 'unknown';
    const state = r.stdout.trim().split('\n').pop() ?? '';
    if (state === 'active' || state === 'reloading') return 'active';
    if (['inactive', 'failed', 'deactivating', 'activating'].includes(state)) return 'inactive';
    return 'unknown';
  }

  /** `free -b`: used is what is not available, as the kernel counts it. */
  private async memoryUsage(node: string): Promise<{ capacity: number; used: number }> {
    const r = await this.hosts.onNodeArgv(node, ['free', '-b'], { readOnly: true });
    const mem = r.stdout.split('\n').find((l) => l.startsWith('Mem:'));
    const f = mem?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    const total = f[0];
    const available = f[5];
    if (total === undefined || available === undefined || !Number.isFinite(total) || !Number.isFinite(available)) {
      throw new InfrastructureError(`Could not read ${node}'s memory from \`free -b\`: ${r.stdout}`);
    }
    return { capacity: total, used: total - available };
  }

  private async diskUsage(node: string): Promise<{ capacity: number; used: number }> {
    const r = await this.hosts.onNodeArgv(node, ['df', '-B1', '--output=size,used', '/var/lib'], { readOnly: true });
    const [capacity, used] = r.stdout.trim().split('\n').pop()?.trim().split(/\s+/).map(Number) ?? [];
    if (capacity === undefined || used === undefined || !Number.isFinite(capacity) || !Number.isFinite(used)) {
      throw new InfrastructureError(`Could not read ${node}'s disk usage from df: ${r.stdout}`);
    }
    return { capacity, used };
  }
}
