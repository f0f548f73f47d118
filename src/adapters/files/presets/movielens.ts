// MovieLens ratings: ratings.csv (userId,movieId,rating,timestamp) or u.data (tab-separated, no header) → `rating`.
import { cell, isRowProblem, numberCell, requiredCell, type Preset, type Row } from '../converter.js';

const U_DATA_COLUMNS = ['userId', 'movieId', 'rating', 'timestamp'];

export const movielens: Preset = {
  name: 'movielens',
  description: 'MovieLens ratings.csv or u.data → rating events',
  dialect: (firstLine) =>
    firstLine.includes('\t')
      ? { delimiter: '\t', columns: U_DATA_COLUMNS }
      : firstLine.includes('::')
        ? { delimiter: '::', columns: U_DATA_COLUMNS }
        : { delimiter: ',' },
  create: () => ({
    convert(row: Row) {
      const userId = requiredCell(row, 'userId');
      const movieId = requiredCell(row, 'movieId');
      const rating = numberCell(row, 'rating');
      const ts = requiredCell(row, 'timestamp');
      for (const v of [userId, movieId, rating, ts]) if (isRowProblem(v)) return v;
      return [
        {
          id: `movielens:${userId as string}:${movieId as string}:${ts as string}`,
          type: 'rating',
          ts: cell(row, 'timestamp'),
          userId,
          productId: movieId,
          rating,
        },
      ];
    },
  }),
};
