import { probes } from '../../src/probes/index.js';
import { registryChecks } from '../kit/registry-checks.js';

describe('the probe registry', () => {
  registryChecks('probes', probes as never, 'probe');
});
