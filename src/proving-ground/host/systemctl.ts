/** `systemctl` on a proving-ground host (installed by init as /usr/local/bin/systemctl). */
import { systemctl } from './systemctl-cli.js';

systemctl(process.argv.slice(2)).then(
  (r) => {
    process.stdout.write(r.out);
    process.stderr.write(r.err);
    process.exitCode = r.code;
  },
  (err: unknown) => {
    process.stderr.write(`systemctl: ${(err as Error)?.message ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
