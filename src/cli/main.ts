// The `shopstream` command: parses arguments, runs one command, turns errors into a message and an exit code.
import { Command, CommanderError } from 'commander';
import { ERROR_CODES, isShopstreamError } from '../core/index.js';
import { registerImport } from './commands/import.js';
import { registerSimulate } from './commands/simulate.js';
import { registerServe } from './commands/serve.js';
import { registerDemo } from './commands/demo.js';
import { registerFeatureCommands } from './commands/features.js';
import { registerDataset } from './commands/dataset.js';
import { registerTrain } from './commands/train.js';
import { registerPredict } from './commands/predict.js';
import { registerModels } from './commands/models.js';
import { registerDeadLetters } from './commands/dead-letters.js';
import { registerRisk } from './commands/risk.js';
import { registerEval } from './commands/eval.js';

// A closed pipe (`shopstream simulate | head`) ends the command quietly: the reader has all it wanted.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const program = new Command('shopstream')
  .description('real-time recommendations, fraud decisions, search and analytics from a store event stream')
  .version('0.1.0')
  // Commander's own errors (a missing option, an unknown command) are thrown, not printed, and come out in the
  // error catalogue's form below, as every other error does. Set before the commands: they inherit it.
  .exitOverride()
  .configureOutput({ outputError: () => {} });

registerImport(program);
registerSimulate(program);
registerServe(program);
registerDemo(program);
registerFeatureCommands(program);
registerDataset(program);
registerTrain(program);
registerPredict(program);
registerModels(program);
registerDeadLetters(program);
registerRisk(program);
registerEval(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if ((error as NodeJS.ErrnoException).code === 'EPIPE') {
    // Written synchronously to a closed pipe (the simulator's LineWriter): the same quiet end as above.
    process.exitCode = 0;
  } else if (error instanceof CommanderError) {
    // --help and --version end here too, with exit code 0.
    if (error.exitCode !== 0) {
      const message = error.message.replace(/^error: /, '');
      console.error(
        `shopstream: [${ERROR_CODES.INVALID_OPTION}] ${message} (see shopstream --help, or shopstream COMMAND --help)`,
      );
    }
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (isShopstreamError(error)) {
    console.error(`shopstream: [${error.code}] ${error.message}`);
    process.exitCode = 2;
  } else {
    console.error(`shopstream: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  }
}
