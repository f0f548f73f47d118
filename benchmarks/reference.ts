// What the model benchmarks share: the shared data sets of EVAL.md's tabular protocol, and Debian's Python, which
// runs the reference learners (scikit-learn, XGBoost) when their packages are installed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SHARED = fileURLToPath(new URL('../../shared/', import.meta.url));
export const PYTHON = '/usr/bin/python3';

export interface Dataset {
  readonly name: string;
  readonly file: string;
  readonly label: string;
  readonly drop: string[];
}

export const ONLINE_SHOPPERS: Dataset = {
  name: 'online-shoppers',
  file: join(SHARED, 'data/online-shoppers-intention/online_shoppers_intention.csv'),
  label: 'Revenue',
  drop: [],
};

export const PAYSIM: Dataset = {
  name: 'paysim-sample',
  file: join(SHARED, 'data/paysim-sample/paysim_sample.csv'),
  label: 'isFraud',
  drop: ['nameOrig', 'nameDest', 'isFlaggedFraud', 'step'],
};

/** Whether Debian's Python imports every one of `modules`. */
export function hasPython(modules: readonly string[]): boolean {
  return (
    existsSync(PYTHON) &&
    spawnSync(PYTHON, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' }).status === 0
  );
}
