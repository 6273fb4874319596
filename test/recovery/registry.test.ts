import { recoverySteps } from '../../src/recovery/index.js';
import { registryChecks } from '../faults/support/registry-checks.js';

describe('the recovery-step registry', () => {
  registryChecks('recovery', recoverySteps as never, 'step');
});
