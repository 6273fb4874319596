import type { ControlPlaneComponent, EtcdMember, EtcdSnapshot } from '../target.js';
import type { CommandResult, CommandRunner, RunOptions } from './command-runner.js';
import type { EtcdTools } from './etcd-tools.js';

/**
 * What the runbook's etcd procedures need from the machines etcd runs on. The kind target answers with
 * `docker exec` into node containers, the lab target with ssh; the procedures themselves
 * (`RunbookEtcdOps`) are the same on both.
 */
export interface EtcdHost {
  readonly runner: CommandRunner;
  /** Nodes that host an etcd member, in a stable order. */
  etcdNodes(): Promise<string[]>;
  memberNameOf(node: string): string;
  nodeOfMember(member: Pick<EtcdMember, 'name' | 'clientURL'>): string | undefined;
  /** The address other members reach `node`'s member on (peer https://<addr>:2380, client :2379). */
  nodeAddress(node: string): Promise<string>;
  /** Run a command as root on the node; `options.input` goes to its standard input. */
  onNode(node: string, argv: string[], options?: RunOptions): Promise<CommandResult>;
  /** `etcdctl <args>` with the connection flags, against a running member. */
  etcdctl(args: string[], options?: RunOptions): Promise<CommandResult>;
  /**
   * etcdctl's version where this target runs it, and whether etcdutl is there when that version needs it
   * (read-only). Throws a MissingDependencyError naming the host when a tool is missing; undefined when no
   * host could be asked yet.
   */
  tools(): Promise<EtcdTools | undefined>;
  /** Whether the member process on `node` is running (read-only). */
  isRunning(node: string): Promise<boolean>;
  /** Move the component's static-pod manifest out of the manifest directory, or back. */
  manifest(node: string, component: ControlPlaneComponent, action: 'out' | 'in'): Promise<void>;
  /** Where the parked (moved-out) and active manifests of a component live on the node. */
  manifestPaths(component: ControlPlaneComponent): { active: string; parked: string };
  killMember(node: string): Promise<void>;
  pauseMember(node: string): Promise<void>;
  resumeMember(node: string): Promise<void>;
  /** The etcd data directory on the node (kubeadm: /var/lib/etcd). */
  readonly dataDir: string;
  /** The etcd certificate directory on the hosts (kubeadm: /etc/kubernetes/pki/etcd): ca, server, peer. */
  readonly pkiDir: string;
  /**
   * Where `etcdctl snapshot save` should write `file`; after saving, `keepSnapshot` puts it where the
   * target keeps snapshots and returns the EtcdSnapshot path.
   */
  snapshotTarget(file: string): Promise<{ node: string; etcdctlPath: string }>;
  /** `<tool> snapshot status <path> -w json` for the file `snapshot save` just wrote on `node`. */
  snapshotStatus(node: string, etcdctlPath: string, tools: EtcdTools): Promise<CommandResult>;
  keepSnapshot(node: string, etcdctlPath: string, file: string): Promise<string>;
  /** Make `snapshot` readable on `node`; returns its path there. */
  placeSnapshot(snapshot: EtcdSnapshot, node: string): Promise<string>;
  /** Run `<tool> snapshot restore <args>` on `node` while no member runs there. */
  restore(node: string, args: string[], tools: EtcdTools): Promise<void>;
  /** Nodes running kube-apiserver, whose --etcd-servers `pointApiserver` rewrites. */
  apiserverNodes(): Promise<string[]>;
}
