// PaySim transactions (step,type,amount,nameOrig,…,isFraud,isFlaggedFraud) → `payment` and its `label`.
import { isRowProblem, numberCell, requiredCell, type Preset, type Row } from '../converter.js';
import { rowId } from '../row-id.js';

/** PaySim's step is an hour of a simulated month; step 1 is placed at this instant. */
export const PAYSIM_EPOCH = Date.UTC(2024, 0, 1);
const HOUR = 3_600_000;
const BALANCES = [
  ['oldbalanceOrg', 'balanceBefore'],
  ['newbalanceOrig', 'balanceAfter'],
  ['oldbalanceDest', 'recipientBalanceBefore'],
  ['newbalanceDest', 'recipientBalanceAfter'],
] as const;

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
      // The balances are the file's: kept where they are numbers (PaySim's are), as the payment's balance fields.
      const balances: Record<string, number> = {};
      for (const [column, field] of BALANCES) {
        const v = row[column] === undefined || row[column] === '' ? Number.NaN : Number(row[column]);
        if (Number.isFinite(v)) balances[field] = v;
      }
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
          ...balances,
        },
        { id: `${paymentId}:label`, type: 'label', ts, paymentId, isFraud, source: 'other' },
      ];
    },
  }),
};
