// Every model kind by name: a new model from its settings, a fitted one from its JSON (the model store's artifact).
import { ERROR_CODES, ShopstreamError } from '../../errors.js';
import { FtrlProximal, type FtrlSettings } from '../models/ftrl.js';
import { Gbdt, type GbdtSettings } from '../models/gbdt.js';
import { LinearRegression, LinearSvm, LogisticRegression } from '../models/linear.js';
import { Mlp, type MlpSettings } from '../models/mlp.js';
import { MODEL_KINDS, type Model, type ModelJSON, type ModelKind } from '../models/model.js';

/** A model of `kind` with its settings (defaults for what is not given). */
export function createModel(kind: ModelKind, settings: Record<string, unknown> = {}): Model {
  switch (kind) {
    case 'logistic':
      return new LogisticRegression(settings);
    case 'linear':
      return new LinearRegression();
    case 'svm':
      return new LinearSvm(settings);
    case 'ftrl':
      return new FtrlProximal(settings as Partial<FtrlSettings>);
    case 'mlp':
      return new Mlp(settings as Partial<MlpSettings>);
    case 'gbdt':
      return new Gbdt(settings as Partial<GbdtSettings>);
    default:
      throw new ShopstreamError(
        ERROR_CODES.INVALID_OPTION,
        `model: unknown kind ${JSON.stringify(kind)} (known: ${MODEL_KINDS.join(', ')})`,
        { field: 'model' },
      );
  }
}

export function modelFromJSON(json: ModelJSON): Model {
  switch (json.kind) {
    case 'logistic':
      return LogisticRegression.fromJSON(json);
    case 'linear':
      return LinearRegression.fromJSON(json);
    case 'svm':
      return LinearSvm.fromJSON(json);
    case 'ftrl':
      return FtrlProximal.fromJSON(json);
    case 'mlp':
      return Mlp.fromJSON(json);
    case 'gbdt':
      return Gbdt.fromJSON(json);
    default:
      return createModel(json.kind); // throws, naming the kind
  }
}
