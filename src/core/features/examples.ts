// A few ready-made features, used when no --features file is given; the apps define their own sets.
import type { DerivedDefinition, FeatureDefinition } from './definition.js';

export const EXAMPLE_FEATURES: { features: (FeatureDefinition | DerivedDefinition)[] } = {
  features: [
    { name: 'user_views_1h', on: ['view'], by: 'user', agg: 'count', window: '1h' },
    { name: 'user_items_24h', on: ['view'], by: 'user', agg: 'distinct', value: 'productId', window: '24h' },
    {
      name: 'user_last_seen',
      on: ['view', 'search', 'click', 'add_to_cart', 'purchase'],
      by: 'user',
      agg: 'last_seen',
      window: 'lifetime',
    },
    { name: 'user_spend_30d', on: ['purchase'], by: 'user', agg: 'sum', value: 'total', window: '30d' },
    { name: 'product_views_1h', on: ['view'], by: 'product', agg: 'count', window: '1h' },
    { name: 'product_carts_24h', on: ['add_to_cart'], by: 'product', agg: 'count', window: '24h' },
    { name: 'card_amount_7d', on: ['payment'], by: 'card', agg: 'sum', value: 'amount', window: '7d' },
    { name: 'card_payments_1h', on: ['payment'], by: 'card', agg: 'count', window: '1h' },
    { name: 'card_amount_mean_7d', on: ['payment'], by: 'card', agg: 'mean', value: 'amount', window: '7d' },
    {
      name: 'card_countries_24h',
      on: ['payment'],
      by: 'card',
      agg: 'distinct',
      value: 'ipCountry',
      window: '24h',
    },
    {
      name: 'device_cards_24h',
      on: ['payment'],
      by: 'device',
      agg: 'distinct',
      value: 'cardId',
      window: '24h',
    },
    { name: 'ip_payments_1h', on: ['payment'], by: 'ip', agg: 'count', window: '1h' },
    {
      name: 'user_recent_products',
      on: ['view'],
      by: 'user',
      agg: 'last_n',
      value: 'productId',
      window: '24h',
      n: 5,
    },
    {
      name: 'user_spend_decayed',
      on: ['purchase'],
      by: 'user',
      agg: 'decayed_sum',
      value: 'total',
      window: '30d',
      halfLife: '7d',
    },
  ],
};
