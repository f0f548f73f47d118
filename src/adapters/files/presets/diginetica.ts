// DIGINETICA train-item-views.csv (sessionId;userId;itemId;timeframe;eventdate): views; the session stands in for a missing user.
import { cell, isRowProblem, numberCell, requiredCell, type Preset, type Row } from '../converter.js';

export const diginetica: Preset = {
  name: 'diginetica',
  description: 'DIGINETICA train-item-views.csv → view events (session as user when userId is NA)',
  dialect: (firstLine) => ({ delimiter: firstLine.includes(';') ? ';' : ',' }),
  create: () => ({
    convert(row: Row) {
      const sessionId = requiredCell(row, 'sessionId');
      const productId = requiredCell(row, 'itemId');
      const date = requiredCell(row, 'eventdate');
      const timeframe = numberCell(row, 'timeframe');
      for (const v of [sessionId, productId, date, timeframe]) if (isRowProblem(v)) return v;
      const day = Date.parse(`${date as string}T00:00:00Z`);
      if (Number.isNaN(day))
        return {
          field: 'eventdate',
          message: `eventdate: ${JSON.stringify(date)} is not a date (YYYY-MM-DD)`,
        };
      const userId = cell(row, 'userId') ?? `session:${sessionId as string}`;
      return [
        {
          id: `diginetica:${sessionId as string}:${productId as string}:${timeframe as number}`,
          type: 'view',
          // timeframe is milliseconds since the session started; the date is the session's day.
          ts: day + (timeframe as number),
          userId,
          sessionId,
          productId,
        },
      ];
    },
  }),
};
