import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LabProfile } from '../targets/lab/profile.js';
import { ipmitoolTemplate } from './bmc.js';
import { SSH_USER } from './image.js';
import { contextName, type HostSpec } from './layout.js';
import { APISERVER_ETCD_CLIENT, ETCD_PKI } from './pki.js';
import type { GroundHost } from './state.js';

/**
 * A script for the lab profile's hypervisor commands, as a lab's own tooling would do them: freeze and thaw
 * a host (docker pause/unpause), cut it off its network and plug it back in on its pinned address.
 */
export function writeHypervisorScript(path: string, network: string, hosts: readonly HostSpec[], docker: string): void {
  const dockerHost = process.env['DOCKER_HOST'];
  const cases = hosts.map((h) => `  ${h.name}) ip=${h.ip} ;;`).join('\n');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(
    path,
    `#!/bin/sh
# hypervisor pause|unpause|disconnect|connect <host>: freeze or thaw a proving-ground host, or cut it off its
# network and plug it back in.
set -e
${dockerHost ? `export DOCKER_HOST='${dockerHost}'\n` : ''}case "$2" in
${cases}
  *) echo "no host $2 on this proving ground" >&2; exit 2 ;;
esac
case "$1" in
  pause|unpause) exec '${docker}' "$1" "$2" ;;
  disconnect) exec '${docker}' network disconnect ${network} "$2" ;;
  connect) exec '${docker}' network connect --ip "$ip" ${network} "$2" ;;
  *) echo "usage: $0 pause|unpause|disconnect|connect <host>" >&2; exit 2 ;;
esac
`,
  );
  chmodSync(path, 0o755);
}

const SHARED = "the proving ground's hosts are containers sharing one machine:";

export interface ProfileInput {
  name: string;
  /** The API's URL, its CA's fingerprint and its kube-system namespace's UID: the profile pins the cluster. */
  apiUrl: string;
  apiCaFingerprint: string;
  kubeSystemUid: string;
  dir: string;
  kubeconfig: string;
  hosts: readonly GroundHost[];
  sshKey: string;
  knownHosts: string;
  bmcPort: number;
  bmcPasswordFile: string;
  hypervisor: string;
}

/**
 * The lab profile of a ground: ssh to each host on its published loopback port with the generated key
 * (BatchMode, the hosts' own keys in a known_hosts file), sudo for root; power through each host's BMC
 * with ipmitool; freeze and network cut as a hypervisor would (docker pause, the network script); etcd as
 * kubeadm lays it out, with the apiserver's client certificate.
 */
export function groundProfile(o: ProfileInput): LabProfile {
  const cps = o.hosts.filter((h) => h.role === 'control-plane');
  const local = (line: string) => ({ local: line });
  return {
    name: `proving ground ${o.name}`,
    clusters: [
      {
        name: o.name,
        context: contextName(o.name),
        kubeconfig: o.kubeconfig,
        identity: { server: o.apiUrl, ca: o.apiCaFingerprint, kubeSystemUid: o.kubeSystemUid },
        nodes: {
          ssh: {
            user: SSH_USER,
            key: o.sshKey,
            options: [
              '-o',
              'BatchMode=yes',
              '-o',
              'ConnectTimeout=10',
              '-o',
              `UserKnownHostsFile=${o.knownHosts}`,
              '-o',
              'StrictHostKeyChecking=yes',
              '-o',
              'LogLevel=ERROR',
            ],
          },
          hosts: Object.fromEntries(
            o.hosts.map((h) => [h.name, { host: '127.0.0.1', bmc: h.bmc ?? '', ssh: { port: h.sshPort ?? 22 } }]),
          ),
        },
        etcd: {
          endpoints: cps.map((h) => `https://${h.ip}:2379`),
          cacert: `${ETCD_PKI}/ca.crt`,
          cert: `${APISERVER_ETCD_CLIENT}.crt`,
          key: `${APISERVER_ETCD_CLIENT}.key`,
          nodes: cps.map((h) => h.name),
        },
        commands: {
          units: { kubelet: 'kubelet', containerRuntime: 'containerd' },
          powerOff: local(ipmitoolTemplate(o.bmcPort, o.bmcPasswordFile, 'off')),
          powerOn: local(ipmitoolTemplate(o.bmcPort, o.bmcPasswordFile, 'on')),
          freeze: local(`${o.hypervisor} pause {node}`),
          unfreeze: local(`${o.hypervisor} unpause {node}`),
          networkDisconnect: local(`${o.hypervisor} disconnect {node}`),
          networkConnect: local(`${o.hypervisor} connect {node}`),
          // The hosts share this machine's kernel, memory, CPUs and disk: real pressure would press on the
          // machine itself (a 95% disk fill writes tens of gigabytes to the shared disk).
          memoryPressure: { unsupported: `${SHARED} memory pressure would take the memory of that machine` },
          diskPressure: { unsupported: `${SHARED} filling the disk of a host fills the disk of that machine` },
          overloadStart: { unsupported: `${SHARED} a CPU burner would load that machine, not one host` },
          addNode: { unsupported: 'a proving ground has no spare host to join' },
          removeNode: { unsupported: 'a proving ground has no node removal (power a host off instead)' },
        },
      },
    ],
  };
}

export function writeProfile(path: string, profile: LabProfile): void {
  writeFileSync(path, JSON.stringify(profile, null, 2) + '\n', { mode: 0o600 });
}

export function outputPaths(dir: string) {
  return {
    kubeconfig: join(dir, 'kubeconfig'),
    profile: join(dir, 'lab-profile.json'),
    sshKey: join(dir, 'ssh', 'id_ed25519'),
    knownHosts: join(dir, 'ssh', 'known_hosts'),
    bmcPassword: join(dir, 'bmc', 'password'),
    hypervisor: join(dir, 'bin', 'hypervisor'),
    pki: join(dir, 'pki'),
    hostBundle: join(dir, 'host'),
    serveLog: join(dir, 'serve.log'),
  };
}
