import { faults } from '../../src/faults/index.js';
import { registryChecks } from '../kit/registry-checks.js';

describe('the fault registry', () => {
  registryChecks('faults', faults as never, 'fault');
});
