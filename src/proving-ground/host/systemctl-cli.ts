import { askInit, InitUnreachable, INIT_SOCKET, unitName, type InitRequest, type UnitStatus } from './protocol.js';
import { ALIASES } from './units.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

const BUS_DOWN = 'Failed to connect to bus: No such file or directory\n';

function resolveUnit(arg: string): string {
  const n = unitName(arg);
  return ALIASES[n] ?? n;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s ago`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}min ${s % 60}s ago` : `${Math.floor(m / 60)}h ${m % 60}min ago`;
}

function stamp(ms: number): string {
  const d = new Date(ms);
  const day = d.toUTCString().slice(0, 3);
  return `${day} ${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `systemctl status` as systemd prints it, for the parts a person reads. */
function statusText(u: UnitStatus, now: number): string {
  const active =
    u.state === 'active'
      ? `active (running) since ${stamp(u.since)}; ${ago(now - u.since)}`
      : u.state === 'activating'
        ? `activating (auto-restart) (Result: exit-code) since ${stamp(u.since)}; ${ago(now - u.since)}`
        : u.state === 'failed'
          ? `failed (Result: exit-code) since ${stamp(u.since)}; ${ago(now - u.since)}`
          : `${u.state} (dead)${u.exitCode !== undefined ? ` since ${stamp(u.since)}; ${ago(now - u.since)}` : ''}`;
  const dot = u.state === 'active' ? '●' : u.state === 'failed' ? '×' : '○';
  const lines = [
    `${dot} ${u.name}.service - ${u.description}`,
    `     Loaded: loaded (/lib/systemd/system/${u.name}.service; enabled; preset: enabled)`,
    `     Active: ${active}`,
  ];
  if (u.pid !== undefined) lines.push(`   Main PID: ${u.pid} (${(u.command[0] ?? '').split('/').pop() ?? ''})`);
  else if (u.exitCode !== undefined) lines.push(`    Process: (code=exited, status=${u.exitCode})`);
  return lines.join('\n') + '\n';
}

async function ask(req: InitRequest, socket: string) {
  return askInit(req, socket);
}

/**
 * systemctl on a proving-ground host: start, stop, restart, status, is-active, is-enabled, list-units,
 * daemon-reload and poweroff, with systemd's exit codes (is-active: 0 active, 3 not; status: 0, 3, 4
 * for an unknown unit; start/stop of an unknown unit: 5). Without init's socket (the host is still booting)
 * it fails as systemctl does without its bus.
 */
export async function systemctl(
  argv: string[],
  socket = INIT_SOCKET,
  uid = process.getuid?.() ?? 0,
): Promise<CliResult> {
  const quiet = argv.includes('-q') || argv.includes('--quiet');
  const props =
    argv.find((a, i) => argv[i - 1] === '-p' || argv[i - 1] === '--property') ??
    argv.find((a) => a.startsWith('--property='))?.slice(11);
  const words = argv.filter((a, i) => !a.startsWith('-') && argv[i - 1] !== '-p' && argv[i - 1] !== '--property');
  const [verb, ...names] = words;
  let out = '';
  let err = '';
  try {
    switch (verb) {
      case 'start':
      case 'stop':
      case 'restart': {
        if (names.length === 0) return { code: 1, out, err: `Too few arguments.\n` };
        if (uid !== 0) {
          // Without polkit or a terminal to ask on, systemd refuses an unprivileged user's change.
          const n = resolveUnit(names[0]!);
          return {
            code: 1,
            out,
            err: `Failed to ${verb} ${n}.service: Interactive authentication required.\nSee system logs and 'systemctl status ${n}.service' for details.\n`,
          };
        }
        let code = 0;
        for (const n of names.map(resolveUnit)) {
          const r = await ask({ op: 'unit', action: verb, unit: n }, socket);
          if (!r.ok) {
            err += `Failed to ${verb} ${n}.service: Unit ${n}.service ${verb === 'stop' ? 'not loaded' : 'not found'}.\n`;
            code = 5;
          }
        }
        return { code, out, err };
      }
      case 'is-active':
      case 'is-failed': {
        let all = true;
        for (const n of names.map(resolveUnit)) {
          const r = await ask({ op: 'status', unit: n }, socket);
          const state = r.ok ? (r.units?.[0]?.state ?? 'inactive') : 'inactive';
          if (!quiet) out += `${state}\n`;
          if (verb === 'is-active' ? state !== 'active' : state !== 'failed') all = false;
        }
        return { code: all && names.length > 0 ? 0 : 3, out, err };
      }
      case 'is-enabled': {
        let code = 0;
        for (const n of names.map(resolveUnit)) {
          const r = await ask({ op: 'status', unit: n }, socket);
          if (r.ok) out += quiet ? '' : 'enabled\n';
          else {
            err += `Failed to get unit file state for ${n}.service: No such file or directory\n`;
            code = 1;
          }
        }
        return { code, out, err };
      }
      case 'status': {
        const r = await ask(names.length ? { op: 'status', unit: resolveUnit(names[0]!) } : { op: 'status' }, socket);
        if (!r.ok) return { code: 4, out, err: `Unit ${resolveUnit(names[0] ?? '')}.service could not be found.\n` };
        const now = Date.now();
        const units = r.units ?? [];
        out = units.map((u) => statusText(u, now)).join('\n');
        return { code: units.every((u) => u.state === 'active') ? 0 : 3, out, err };
      }
      case 'list-units':
      case undefined: {
        const r = await ask({ op: 'status' }, socket);
        const units = r.ok ? (r.units ?? []) : [];
        out = `  UNIT${' '.repeat(20)}LOAD   ACTIVE   SUB          DESCRIPTION\n`;
        for (const u of units) {
          out += `  ${`${u.name}.service`.padEnd(24)}loaded ${u.state.padEnd(8)} ${u.sub.padEnd(12)} ${u.description}\n`;
        }
        out += `\n${units.length} loaded units listed.\n`;
        return { code: 0, out, err };
      }
      case 'show': {
        const r = await ask({ op: 'status', unit: resolveUnit(names[0] ?? '') }, socket);
        const u = r.ok ? r.units?.[0] : undefined;
        const all: Record<string, string> = {
          Id: `${resolveUnit(names[0] ?? '')}.service`,
          MainPID: String(u?.pid ?? 0),
          ActiveState: u?.state ?? 'inactive',
          SubState: u?.sub ?? 'dead',
          LoadState: u ? 'loaded' : 'not-found',
          ExecMainStatus: String(u?.exitCode ?? 0),
        };
        const want = props ? props.split(',') : Object.keys(all);
        out = want.map((p) => `${p}=${all[p] ?? ''}`).join('\n') + '\n';
        return { code: 0, out, err };
      }
      case 'daemon-reload':
      case 'enable':
      case 'disable':
        return { code: 0, out, err };
      case 'poweroff':
      case 'halt': {
        if (uid !== 0) return { code: 1, out, err: `Call to PowerOff failed: Interactive authentication required.\n` };
        await ask({ op: 'poweroff' }, socket);
        return { code: 0, out, err };
      }
      default:
        return { code: 1, out, err: `Unknown command verb ${verb}.\n` };
    }
  } catch (e) {
    if (e instanceof InitUnreachable) return { code: 1, out, err: err + BUS_DOWN };
    throw e;
  }
}
