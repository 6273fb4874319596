const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function ipNumber(ip: string): number | undefined {
  const m = IPV4.exec(ip);
  if (!m) return undefined;
  return ((Number(m[1]) << 24) >>> 0) + (Number(m[2]) << 16) + (Number(m[3]) << 8) + Number(m[4]);
}

function ipString(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/**
 * A name for a new node that follows the cluster's naming: the next free IP after the highest when nodes
 * are named by IP (10.128.38.12 -> 10.128.38.13), else the next number of the workers' (or masters') common
 * prefix (kind-worker3 -> kind-worker4), else `<cluster>-<role>-<n>`.
 */
export function nextNodeName(existing: string[], role: 'worker' | 'master', cluster: string): string {
  const taken = new Set(existing);
  const ips = existing.map(ipNumber).filter((n): n is number => n !== undefined);
  if (ips.length > 0 && ips.length === existing.length) {
    let n = Math.max(...ips) + 1;
    while (taken.has(ipString(n))) n++;
    return ipString(n);
  }
  const hint = role === 'master' ? /control-plane|master/ : /worker|node/;
  const family = existing.filter((n) => hint.test(n));
  const m = family.map((n) => /^(.*?)(\d*)$/.exec(n)).filter((x): x is RegExpExecArray => x !== null);
  const prefix = m[0]?.[1];
  if (prefix !== undefined && m.every((x) => x[1] === prefix)) {
    let n = Math.max(1, ...m.map((x) => (x[2] ? Number(x[2]) : 1))) + 1;
    while (taken.has(`${prefix}${n}`)) n++;
    return `${prefix}${n}`;
  }
  let n = existing.length + 1;
  while (taken.has(`${cluster}-${role}-${n}`)) n++;
  return `${cluster}-${role}-${n}`;
}
