import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh } from './exec.js';

/** kubeadm's etcd certificate paths on a control-plane host, under /etc/kubernetes/pki. */
export const ETCD_PKI = '/etc/kubernetes/pki/etcd';
export const APISERVER_ETCD_CLIENT = '/etc/kubernetes/pki/apiserver-etcd-client';

export interface HostIdentity {
  name: string;
  ip: string;
}

interface CertSpec {
  cn: string;
  org?: string;
  sans?: string[];
  usage: 'serverAuth,clientAuth' | 'clientAuth';
}

function sansOf(h: HostIdentity): string[] {
  return [`DNS:${h.name}`, 'DNS:localhost', `IP:${h.ip}`, 'IP:127.0.0.1', 'IP:0:0:0:0:0:0:0:1'];
}

/**
 * kubeadm's etcd PKI, made with openssl as kubeadm lays it out (RSA 2048, a ten-year CA, one-year leaves):
 * the etcd CA; per control-plane host a server and a peer certificate whose SANs are the host's name, its
 * address and loopback, and a healthcheck client; and the apiserver's etcd client certificate. Files go
 * under `dir/ca.*`, `dir/<host>/{server,peer,healthcheck-client}.*` and `dir/apiserver-etcd-client.*`.
 */
export async function makeEtcdPki(dir: string, hosts: readonly HostIdentity[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await sh('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-sha256',
    '-days',
    '3650',
    '-keyout',
    join(dir, 'ca.key'),
    '-out',
    join(dir, 'ca.crt'),
    '-subj',
    '/CN=etcd-ca',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign',
  ]);
  const issue = (out: string, spec: CertSpec): Promise<void> => issueCert(dir, out, spec);
  await issue(join(dir, 'apiserver-etcd-client'), {
    cn: 'kube-apiserver-etcd-client',
    org: 'system:masters',
    usage: 'clientAuth',
  });
  for (const h of hosts) {
    const hd = join(dir, h.name);
    mkdirSync(hd, { recursive: true });
    await issue(join(hd, 'server'), { cn: h.name, sans: sansOf(h), usage: 'serverAuth,clientAuth' });
    await issue(join(hd, 'peer'), { cn: h.name, sans: sansOf(h), usage: 'serverAuth,clientAuth' });
    await issue(join(hd, 'healthcheck-client'), { cn: 'kube-etcd-healthcheck-client', usage: 'clientAuth' });
  }
}

async function issueCert(caDir: string, out: string, spec: CertSpec): Promise<void> {
  const subj = `/CN=${spec.cn}${spec.org ? `/O=${spec.org}` : ''}`;
  await sh('openssl', [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${out}.key`,
    '-out',
    `${out}.csr`,
    '-subj',
    subj,
  ]);
  const ext = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${spec.usage}`,
    ...(spec.sans ? [`subjectAltName=${spec.sans.join(',')}`] : []),
  ].join('\n');
  writeFileSync(`${out}.ext`, ext + '\n');
  await sh('openssl', [
    'x509',
    '-req',
    '-sha256',
    '-days',
    '365',
    '-in',
    `${out}.csr`,
    '-CA',
    join(caDir, 'ca.crt'),
    '-CAkey',
    join(caDir, 'ca.key'),
    '-set_serial',
    `0x${randomBytes(8).toString('hex')}`,
    '-extfile',
    `${out}.ext`,
    '-out',
    `${out}.crt`,
  ]);
}
