// The recommendations API under /v1/recommendations: for a shopper, similar and bought-together products, and a
// session's list. Each answer is caught up with the log first (a view just accepted shapes it), has a listId and
// a score, source and reason per product, and is logged as an `impression` event. docs/recommend.md.
import type { FastifyInstance } from 'fastify';
import { ERROR_CODES, LIMITS, ShopstreamError, type Clock, type Ingestor } from '../../core/index.js';
import type { RecommendService, RecommendationList } from '../../apps/recommend/index.js';
import type { ListOptions } from '../../apps/recommend/index.js';
import { jsonObject } from './json-body.js';
import { groupLander } from './group-lander.js';

export interface RecommendRouteOptions {
  readonly service: RecommendService;
  readonly ingestor: Ingestor;
  readonly clock: Clock;
  /** Applies everything the log holds now. */
  readonly catchUp: () => Promise<unknown>;
}

const MAX_COUNT = 100;
const MAX_EXCLUDE = 100;

function bad(message: string, field: string): ShopstreamError {
  return new ShopstreamError(ERROR_CODES.INVALID_FIELD, message, { field });
}

function idOf(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > LIMITS.id)
    throw bad(`${field}: must be an id of 1 to ${LIMITS.id} characters`, field);
  return value;
}

/** count, category and exclude, from a query or a body; an error names the parameter. */
function listOptions(q: Record<string, unknown>): ListOptions {
  let count = 10;
  if (q.count !== undefined) {
    count = Number(q.count);
    if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT)
      throw bad(`count: must be a whole number from 1 to ${MAX_COUNT}`, 'count');
  }
  const category = q.category === undefined ? undefined : idOf(q.category, 'category');
  let exclude: string[] = [];
  if (q.exclude !== undefined) {
    exclude = Array.isArray(q.exclude)
      ? q.exclude
      : typeof q.exclude === 'string'
        ? q.exclude.split(',').filter((x) => x !== '')
        : [q.exclude as string];
    if (exclude.length > MAX_EXCLUDE) throw bad(`exclude: at most ${MAX_EXCLUDE} ids`, 'exclude');
    exclude.forEach((id) => idOf(id, 'exclude'));
  }
  let perCategory: number | undefined;
  if (q.perCategory !== undefined) {
    perCategory = Number(q.perCategory);
    if (!Number.isInteger(perCategory) || perCategory < 1 || perCategory > MAX_COUNT)
      throw bad(`perCategory: must be a whole number from 1 to ${MAX_COUNT}`, 'perCategory');
  }
  return {
    count,
    ...(category === undefined ? {} : { category }),
    exclude: new Set(exclude),
    ...(perCategory === undefined ? {} : { perCategory }),
  };
}

const QUERY = {
  type: 'object',
  properties: {
    count: { type: 'string', maxLength: 10 },
    category: { type: 'string', maxLength: 1000 },
    exclude: { type: 'string', maxLength: 30_000 },
    perCategory: { type: 'string', maxLength: 10 },
  },
  additionalProperties: false,
} as const;

export function recommendRoutes(app: FastifyInstance, options: RecommendRouteOptions): void {
  const { service, ingestor, clock } = options;
  const land = groupLander(ingestor, 'http:recommend');
  // The answer waits for its impression to be in the log (answers at once share one append).
  const answer = async (list: RecommendationList, userId: string | undefined) => {
    await land(service.impressionOf(list, userId, clock.now()));
    return list;
  };

  app.get<{ Params: { userId: string }; Querystring: Record<string, string> }>(
    '/v1/recommendations/users/:userId',
    { schema: { querystring: QUERY } },
    async (request) => {
      const userId = idOf(request.params.userId, 'userId');
      const list = listOptions(request.query);
      await options.catchUp();
      return answer(service.forUser(userId, list), userId);
    },
  );

  for (const [path, kind] of [
    ['similar', 'similar'],
    ['bought-together', 'bought_together'],
  ] as const) {
    app.get<{ Params: { productId: string }; Querystring: Record<string, string> }>(
      `/v1/recommendations/items/:productId/${path}`,
      { schema: { querystring: QUERY } },
      async (request) => {
        const productId = idOf(request.params.productId, 'productId');
        const list = listOptions(request.query);
        await options.catchUp();
        return answer(
          kind === 'similar' ? service.similar(productId, list) : service.boughtTogether(productId, list),
          undefined,
        );
      },
    );
  }

  app.get<{ Querystring: Record<string, string> }>(
    '/v1/recommendations/stats',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { top: { type: 'string', maxLength: 10 } },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const top = request.query.top === undefined ? 10 : Number(request.query.top);
      if (!Number.isInteger(top) || top < 1 || top > MAX_COUNT)
        throw bad(`top: must be a whole number from 1 to ${MAX_COUNT}`, 'top');
      await options.catchUp();
      return service.recommender.engagement.stats(top);
    },
  );

  app.post('/v1/recommendations/session', async (request) => {
    const b = jsonObject(request.body, '{"productIds": ["p1", …], "count"?: 10, "userId"?: …}');
    for (const key of Object.keys(b)) {
      if (!['productIds', 'count', 'category', 'exclude', 'perCategory', 'userId'].includes(key))
        throw bad(
          `${key}: is not a field of this body (productIds, count, category, exclude, perCategory, userId)`,
          key,
        );
    }
    if (!Array.isArray(b.productIds) || b.productIds.length > LIMITS.listItems)
      throw bad(`productIds: must be a list of at most ${LIMITS.listItems} product ids`, 'productIds');
    const productIds = b.productIds.map((id, i) => idOf(id, `productIds[${i}]`));
    const userId = b.userId === undefined ? undefined : idOf(b.userId, 'userId');
    const list = listOptions({
      ...b,
      ...(b.count === undefined ? {} : { count: String(b.count) }),
      ...(b.perCategory === undefined ? {} : { perCategory: String(b.perCategory) }),
    });
    await options.catchUp();
    return answer(service.session(productIds, list), userId);
  });
}
