/**
 * A shell script, run as root on a host that is to run an etcd member it never ran, that issues the
 * member's peer and server certificates from the etcd CA in `pkiDir` the way kubeadm makes them: CN the
 * host name, SANs the host name, localhost, the host's address, 127.0.0.1 and ::1, for server and client
 * authentication. A certificate that already names the address is kept; one that does not is moved aside
 * (never deleted) and replaced.
 */
export function newHostCertificates(pkiDir: string, address: string, suffix: string): string {
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  return [
    'set -e',
    `cd ${q(pkiDir)}`,
    'umask 077',
    'h=$(hostname)',
    `a=${q(address)}`,
    'for c in server peer; do',
    '  if [ -e "$c.crt" ] && openssl x509 -in "$c.crt" -noout -text | grep -q "IP Address:$a\\(,\\|$\\)"; then continue; fi',
    `  for f in "$c.crt" "$c.key"; do if [ -e "$f" ]; then mv "$f" "$f.gameday-${suffix}"; fi; done`,
    '  printf "subjectAltName=DNS:%s,DNS:localhost,IP:%s,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1\\nextendedKeyUsage=serverAuth,clientAuth\\nkeyUsage=critical,digitalSignature,keyEncipherment\\n" "$h" "$a" > "gameday-$c.ext"',
    '  openssl req -new -newkey rsa:2048 -nodes -keyout "$c.key" -subj "/CN=$h" -out "gameday-$c.csr" 2>/dev/null',
    '  openssl x509 -req -in "gameday-$c.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -sha256 -extfile "gameday-$c.ext" -out "$c.crt" 2>/dev/null',
    '  rm -f "gameday-$c.csr" "gameday-$c.ext"',
    'done',
  ].join('\n');
}
