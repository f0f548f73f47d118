// The recommendations app: live candidate sources (co-visitation, co-purchase, content, trending), the
// recommender that answers the API, and the offline evaluation of EVAL.md's top-k protocol.
export { Recommender, PROFILE_ITEMS, PROFILE_READ, RECENCY_PRODUCTS } from './recommender.js';
export type { ListOptions, RecommendedItem, RecommenderSnapshot, Source } from './recommender.js';
export { CoVisitation, DEFAULT_COVISIT, SERVED_NEIGHBOURS } from './covisit.js';
export { Trending, DEFAULT_TRENDING } from './trending.js';
export { Catalog } from './catalog.js';
export { UserHistories, HISTORY_LIMIT } from './history.js';
export { INTERACTION_WEIGHTS, interactionsOf } from './interactions.js';
export type { Interaction } from './interactions.js';
export { evaluateRecommendations, topKMetrics } from './evaluate.js';
export type { RecommendEvalReport, TopKMetrics } from './evaluate.js';
export { RecommendService } from './service.js';
export type { ListKind, RecommendationList } from './service.js';
export { ImplicitAls, DEFAULT_ALS } from './als.js';
export { SequenceModel, DEFAULT_SEQUENCE } from './sequence.js';
export type { SequenceOptions } from './sequence.js';
export type { AlsOptions } from './als.js';
export { Engagement } from './engagement.js';
export type { EngagementStats } from './engagement.js';
export { Campaigns } from './campaigns.js';
export type { Campaign } from './campaigns.js';
export { Bpr, DEFAULT_BPR } from './bpr.js';
export type { BprOptions } from './bpr.js';
