// The `shopstream` command: parses arguments, runs one command, turns errors into a message and an exit code.
import { Command } from 'commander';
import { isShopstreamError } from '../core/index.js';
import { registerImport } from './commands/import.js';
import { registerSimulate } from './commands/simulate.js';
import { registerServe } from './commands/serve.js';
import { registerDemo } from './commands/demo.js';
import { registerFeatureCommands } from './commands/features.js';
import { registerDataset } from './commands/dataset.js';
import { registerTrain } from './commands/train.js';
import { registerPredict } from './commands/predict.js';
import { registerModels } from './commands/models.js';

const program = new Command('shopstream')
  .description('real-time recommendations, fraud decisions, search and analytics from a store event stream')
  .version('0.1.0')
  .showHelpAfterError();

registerImport(program);
registerSimulate(program);
registerServe(program);
registerDemo(program);
registerFeatureCommands(program);
registerDataset(program);
registerTrain(program);
registerPredict(program);
registerModels(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (isShopstreamError(error)) {
    console.error(`shopstream: [${error.code}] ${error.message}`);
    process.exitCode = 2;
  } else {
    console.error(`shopstream: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  }
}
