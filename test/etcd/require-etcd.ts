import { missingEtcdBinaries } from '../../src/etcd/local-cluster.js';

/** Skip the calling suite or test, saying what is missing, when etcd or etcdctl is not installed. */
export function requireEtcd(ctx: Mocha.Context): void {
  const missing = missingEtcdBinaries();
  if (missing.length === 0) return;
  console.log(
    `      skipping real-etcd tests: ${missing.join(' and ')} not on PATH ` +
      '(install the Debian packages etcd-server and etcd-client, e.g. bash .ci/install-etcd.sh)',
  );
  ctx.skip();
}

/** True while a process with this pid exists (and is not a zombie we could still reap). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
