import type { CommandModule } from '../command.js';
import { ack } from './ack.js';
import { diagnose } from './diagnose.js';
import { explain } from './explain.js';
import { hint } from './hint.js';
import { node } from './node.js';
import { practice } from './practice.js';
import { provingGround } from './proving-ground.js';
import { history } from './history.js';
import { report } from './report.js';
import { schedule } from './schedule.js';
import { list } from './list.js';
import { rollback } from './rollback.js';
import { run } from './run.js';
import { sim } from './sim.js';
import { topology } from './topology.js';
import { validate } from './validate.js';

export const commands: CommandModule[] = [
  run,
  validate,
  list,
  explain,
  sim,
  topology,
  provingGround,
  rollback,
  schedule,
  history,
  report,
  practice,
  node,
  ack,
  diagnose,
  hint,
];
