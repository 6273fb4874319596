/**
 * /healthz, /livez and /readyz as kube-apiserver answers them: "ok" when every check passes; otherwise
 * HTTP 500 and the list of checks with `[-]etcd failed: reason withheld`, which is what `kubectl get
 * --raw /readyz?verbose` shows while etcd has no quorum.
 */
/** kube-apiserver's --etcd-healthcheck-timeout (and readiness check timeout): 2 s. */
export const ETCD_CHECK_TIMEOUT = 2_000;

const COMMON = [
  'ping',
  'log',
  'etcd',
  'poststarthook/start-apiserver-admission-initializer',
  'poststarthook/generic-apiserver-start-informers',
  'poststarthook/start-apiextensions-informers',
  'poststarthook/start-apiextensions-controllers',
  'poststarthook/bootstrap-controller',
  'poststarthook/scheduling/bootstrap-system-priority-classes',
];

const CHECKS: Record<string, string[]> = {
  healthz: COMMON,
  livez: COMMON,
  readyz: ['ping', 'log', 'etcd', 'etcd-readiness', 'informer-sync', ...COMMON.slice(3), 'shutdown'],
};

export function isHealthPath(path: string): boolean {
  return /^\/(healthz|livez|readyz)(\/.*)?$/.test(path);
}

export function health(path: string, verbose: boolean, failing: string[]): { code: number; body: string } {
  const m = /^\/(healthz|livez|readyz)(?:\/(.+))?$/.exec(path);
  const endpoint = m?.[1] ?? 'healthz';
  const single = m?.[2];
  const checks = [...(CHECKS[endpoint] ?? COMMON)];
  for (const f of failing) if (!checks.includes(f)) checks.push(f);
  // etcd-readiness fails with etcd: readyz shows both.
  const isFailing = (c: string): boolean => failing.includes(c) || (c === 'etcd-readiness' && failing.includes('etcd'));
  if (single) {
    if (!checks.includes(single)) return { code: 404, body: '404 page not found\n' };
    return isFailing(single)
      ? { code: 500, body: `internal server error: ${single} failed\n` }
      : { code: 200, body: 'ok' };
  }
  const anyFailing = checks.some(isFailing);
  if (!anyFailing && !verbose) return { code: 200, body: 'ok' };
  const lines = checks.map((c) => (isFailing(c) ? `[-]${c} failed: reason withheld` : `[+]${c} ok`));
  lines.push(anyFailing ? `${endpoint} check failed` : `${endpoint} check passed`);
  return { code: anyFailing ? 500 : 200, body: lines.join('\n') + '\n' };
}
