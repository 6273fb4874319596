import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmodSync, closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InfrastructureError } from '../errors.js';
import { sh } from './exec.js';

export const BMC_USER = 'admin';

/** ipmitool's flags for one of the ground's BMCs ({bmc} is the address; lanplus with cipher suite 3, which ipmi_sim offers). */
export function ipmitoolArgs(address: string, port: number, passwordFile: string): string[] {
  return ['-I', 'lanplus', '-C', '3', '-H', address, '-p', String(port), '-U', BMC_USER, '-f', passwordFile];
}

/** The lab profile's power command: ipmitool against the host's BMC. */
export function ipmitoolTemplate(port: number, passwordFile: string, action: 'on' | 'off' | 'status'): string {
  return `ipmitool ${ipmitoolArgs('{bmc}', port, passwordFile).join(' ')} power ${action}`;
}

/** Whether UDP `port` is free on `address` (ipmi_sim binds it). */
function udpFree(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind(port, address, () => s.close(() => resolve(true)));
  });
}

/**
 * Loopback addresses for `count` BMCs (127.a.b.11, .12, ...: one address per host, as in a lab) and a port
 * free on all of them: IPMI's 623 when this process may bind it, else a high one.
 */
export async function pickBmcAddresses(count: number): Promise<{ addresses: string[]; port: number }> {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  for (let attempt = 0; attempt < 20; attempt++) {
    const a = 100 + Math.floor(Math.random() * 150);
    const b = Math.floor(Math.random() * 250);
    const addresses = Array.from({ length: count }, (_, i) => `127.${a}.${b}.${11 + i}`);
    const port = root ? 623 : 16_000 + Math.floor(Math.random() * 20_000);
    const free = await Promise.all(addresses.map((x) => udpFree(x, port)));
    if (free.every(Boolean)) return { addresses, port };
  }
  throw new InfrastructureError('Found no free loopback address and UDP port for the BMCs in 20 tries.');
}

/**
 * One host's BMC: ipmi_sim (Debian's openipmi) with a LAN channel on the given loopback address, whose
 * chassis control runs a script on this machine: power off is `docker kill <host>` (a power cut: nothing
 * shuts down cleanly), power on is `docker start <host>`, power state is whether the container runs.
 */
export function writeBmc(
  dir: string,
  o: { container: string; address: string; port: number; password: string; docker: string },
): void {
  mkdirSync(join(dir, 'state'), { recursive: true });
  const dockerHost = process.env['DOCKER_HOST'];
  writeFileSync(
    join(dir, 'chassis.sh'),
    `#!/bin/sh
# ipmi_sim chassis control for ${o.container}: <mc> get power | <mc> set power 0|1 | <mc> set reset 1
${dockerHost ? `export DOCKER_HOST='${dockerHost}'\n` : ''}D='${o.docker}'
C='${o.container}'
shift
op=$1; shift
case "$op" in
get)
  for p in "$@"; do
    case "$p" in
      power) [ "$($D inspect -f '{{.State.Running}}' "$C" 2>/dev/null)" = true ] && echo power:1 || echo power:0 ;;
      boot) echo boot:default ;;
      *) echo "invalid parameter: $p"; exit 1 ;;
    esac
  done ;;
set)
  while [ $# -gt 0 ]; do
    case "$1" in
      power) if [ "$2" = 1 ]; then $D start "$C" >/dev/null || exit 1; else $D kill "$C" >/dev/null 2>&1; fi ;;
      reset) $D kill "$C" >/dev/null 2>&1; $D start "$C" >/dev/null || exit 1 ;;
      boot) ;;
      *) echo "invalid parameter: $1"; exit 1 ;;
    esac
    shift 2
  done ;;
esac
exit 0
`,
  );
  chmodSync(join(dir, 'chassis.sh'), 0o755);
  const auths = 'none md2 md5 straight';
  writeFileSync(
    join(dir, 'lan.conf'),
    `name "${o.container}"
set_working_mc 0x20
  startlan 1
    addr ${o.address} ${o.port}
    priv_limit admin
    allowed_auths_callback ${auths}
    allowed_auths_user ${auths}
    allowed_auths_operator ${auths}
    allowed_auths_admin ${auths}
    guid a123456789abcdefa123456789abcdef
  endlan
  chassis_control "${join(dir, 'chassis.sh')} 0x20"
  user 2 true "${BMC_USER}" "${o.password}" admin 10 ${auths}
`,
    { mode: 0o600 },
  );
  writeFileSync(
    join(dir, 'bmc.emu'),
    'mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\nmc_enable 0x20\n',
  );
}

/** Start the BMC in the background (its own session: it outlives `up`); its pid. */
export function startBmc(dir: string): number {
  const fd = openSync(join(dir, 'ipmi_sim.log'), 'a');
  try {
    const child = spawn(
      'ipmi_sim',
      ['-c', join(dir, 'lan.conf'), '-f', join(dir, 'bmc.emu'), '-s', join(dir, 'state'), '-n', '-p'],
      { detached: true, stdio: ['ignore', fd, fd] },
    );
    child.unref();
    if (child.pid === undefined)
      throw new InfrastructureError(`ipmi_sim did not start (see ${join(dir, 'ipmi_sim.log')}).`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** Wait (bounded) until the BMC answers `power status`. */
export async function waitBmc(
  address: string,
  port: number,
  passwordFile: string,
  timeoutMs = 20_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const r = await sh('ipmitool', [...ipmitoolArgs(address, port, passwordFile), 'power', 'status'], {
      allowFailure: true,
      timeoutMs: 10_000,
    });
    if (r.exitCode === 0) return r.stdout.trim();
    last = (r.stderr || r.stdout).trim();
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new InfrastructureError(`The BMC on ${address}:${port} did not answer within ${timeoutMs / 1000} s: ${last}`);
}
