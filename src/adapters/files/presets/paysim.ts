// PaySim transactions (step,type,amount,nameOrig,…,isFraud,isFlaggedFraud) → `payment` and its `label`.
import { isRowProblem, numberCell, requiredCell, type Preset, type Row } from '../converter.js';
import { rowId } from '../row-id.js';

/** PaySim's step is an hour of a simulated month; step 1 is placed at this instant. */
export const PAYSIM_EPOCH = Date.UTC(2024, 0, 1);
const HOUR = 3_600_000;

export const paysim: Preset = {
  name: 'paysim',
  description: 'PaySim transactions → payment events, isFraud → label events (step = hour)',
  dialect: () => ({ delimiter: ',' }),
  create: () => ({
    convert(row: Row) {
      const step = numberCell(row, 'step');
      const amount = numberCell(row, 'amount');
      const cardId = requiredCell(row, 'nameOrig');
      const method = requiredCell(row, 'type');
      const fraud = requiredCell(row, 'isFraud');
      for (const v of [step, amount, cardId, method, fraud]) if (isRowProblem(v)) return v;
      const isFraud = Number(fraud) === 1 || /^true$/i.test(fraud as string);
      const paymentId = rowId('paysim', Object.values(row));
      const ts = PAYSIM_EPOCH + ((step as number) - 1) * HOUR;
      const merchantId = row.nameDest === undefined ? undefined : String(row.nameDest);
      return [
        {
          id: paymentId,
          type: 'payment',
          ts,
          paymentId,
          amount,
          currency: 'XXX',
          cardId,
          method: (method as string).toLowerCase(),
          ...(merchantId ? { merchantId } : {}),
        },
        { id: `${paymentId}:label`, type: 'label', ts, paymentId, isFraud, source: 'other' },
      ];
    },
  }),
};
