import type { Argv } from 'yargs';
import { InvalidInputError } from '../errors.js';
import { parseListenAddress, type ListenAddress } from '../warroom/listen-address.js';
import type { WarRoom, WarRoomOptions } from '../warroom/war-room.js';

/** `--serve [ADDR:PORT]`: the war room, the live page of what this command runs. */
export function serveOption(y: Argv, what: string): Argv {
  return y.option('serve', {
    type: 'string',
    describe:
      `Serve a live page of ${what} (the war room) on ADDR:PORT; default 127.0.0.1 and a free port. ` +
      'The URL printed carries a random token: only who has it can open the page or act through it',
  });
}

/** Where to serve, or undefined without --serve. */
export function serveAddress(args: Record<string, unknown>): ListenAddress | undefined {
  const v = args['serve'];
  if (v === undefined || v === false) return undefined;
  if (typeof v !== 'string' && v !== true) throw new InvalidInputError('--serve: give it once, as ADDR:PORT or alone.');
  return parseListenAddress(v === true ? '' : v);
}

/** Start the war room and say where it is. Loaded only when asked for: plain runs do not pay for it. */
export async function openWarRoom(o: WarRoomOptions, say: (line: string) => void): Promise<WarRoom> {
  const { WarRoom } = await import('../warroom/war-room.js');
  const room = await WarRoom.start(o);
  const [first, ...others] = room.urls();
  say(`war room: ${first ?? room.url}`);
  for (const u of others) say(`  also at: ${u}`);
  return room;
}

/** `--speed` of the embedded simulator: a positive number, at most 10000. */
export function checkSpeed(value: unknown): number {
  const speed = Number(value);
  if (!(speed > 0) || speed > 10_000)
    throw new InvalidInputError(`--speed: expected a number between 0 and 10000, got ${String(value)}.`);
  return speed;
}
