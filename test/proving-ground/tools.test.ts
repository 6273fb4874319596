import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MissingDependencyError } from '../../src/errors.js';
import { requireTools } from '../../src/proving-ground/tools.js';

describe('proving-ground prerequisites', () => {
  it('names every missing program and the Debian packages that bring them, in one error', () => {
    const empty = mkdtempSync(join(tmpdir(), 'gameday-path-'));
    const path = process.env['PATH'];
    process.env['PATH'] = empty;
    try {
      expect(() => requireTools(['docker', 'ipmi_sim', 'ipmitool', 'debootstrap']))
        .to.throw(MissingDependencyError)
        .with.property('message')
        .that.equals(
          'The proving ground needs `docker`, `ipmi_sim`, `ipmitool`, `debootstrap`, which are not installed: apt-get install -y docker.io openipmi ipmitool debootstrap.',
        );
    } finally {
      process.env['PATH'] = path;
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
