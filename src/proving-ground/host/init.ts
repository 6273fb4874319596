/**
 * The host's init, started by tini (PID 1, which reaps orphans) as `node /opt/gameday/host/init.js`.
 * systemd cannot be PID 1 here (it needs privileges a container is refused), so this plays its part: it
 * boots (after the host's boot delay), writes a new boot id, installs the systemctl/crictl/ctr commands,
 * starts the units and answers them on a unix socket. SIGTERM (`docker stop`) is an orderly shutdown;
 * `docker kill` is a crash, and nothing runs on.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { readHostConfig } from './host-config.js';
import { BOOT_ID_FILE, INIT_SOCKET, RUN_DIR } from './protocol.js';
import { ServiceManager } from './service-manager.js';
import { hostUnits } from './units.js';

const HOST_DIR = '/opt/gameday/host';
const COMMANDS = ['systemctl', 'crictl', 'ctr'];

function say(line: string): void {
  process.stdout.write(`init: ${line}\n`);
}

async function main(): Promise<void> {
  const config = readHostConfig();
  mkdirSync(RUN_DIR, { recursive: true });
  writeFileSync(BOOT_ID_FILE, randomUUID() + '\n');
  // /usr/local/bin comes first on PATH (and in sudo's secure_path): these answer as the real tools do.
  for (const c of COMMANDS) {
    const path = `/usr/local/bin/${c}`;
    writeFileSync(path, `#!/bin/sh\nexec ${process.execPath} ${HOST_DIR}/${c}.js "$@"\n`);
    chmodSync(path, 0o755);
  }
  const manager = new ServiceManager({ socket: INIT_SOCKET, units: hostUnits(config.node), log: say });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    say('shutting down');
    void manager.shutdown().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  say(`booting ${config.node} (${config.bootDelayMs} ms)`);
  await new Promise((resolve) => setTimeout(resolve, config.bootDelayMs));
  if (stopping) return;
  await manager.boot();
  say('units started');
}

main().catch((err: unknown) => {
  say(`failed: ${(err as Error)?.stack ?? String(err)}`);
  process.exit(1);
});
