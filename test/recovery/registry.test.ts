import { recoverySteps } from '../../src/recovery/index.js';
import { registryChecks } from '../kit/registry-checks.js';

describe('the recovery-step registry', () => {
  registryChecks('recovery', recoverySteps as never, 'step');
});
