// The risk feature set: a features file over the core engine (the same JSON `--features` takes), used by the
// risk app by default and printed by `shopstream risk features` for editing.
import {
  ERROR_CODES,
  ShopstreamError,
  compileFeatures,
  definitionOf,
  type CompiledFeature,
  type DerivedDefinition,
  type FeatureDefinition,
} from '../../core/index.js';

type Definition = FeatureDefinition | DerivedDefinition;

/** Entities a payment carries, and the words a reason uses for each. */
const PAYERS = [
  ['card', 'card'],
  ['user', 'account'],
  ['device', 'device'],
  ['ip', 'IP address'],
  ['email', 'email'],
] as const;
const WINDOWS = ['1m', '1h', '24h', '7d', '30d'] as const;
const WINDOW_WORDS: Record<string, string> = {
  '1m': 'a minute',
  '1h': 'an hour',
  '24h': '24 h',
  '7d': '7 days',
  '30d': '30 days',
};

function velocity(): Definition[] {
  const out: Definition[] = [];
  for (const [by] of PAYERS) {
    for (const window of WINDOWS) {
      out.push({ name: `${by}_payments_${window}`, on: ['payment'], by, agg: 'count', window });
      out.push({ name: `${by}_amount_${window}`, on: ['payment'], by, agg: 'sum', value: 'amount', window });
    }
  }
  return out;
}

const distinct = (name: string, by: string, value: string, window: string): FeatureDefinition => ({
  name,
  on: ['payment'],
  by,
  agg: 'distinct',
  value,
  window,
});

/** The features, in the definition language of docs/features.md. */
export const RISK_FEATURES: { features: Definition[] } = {
  features: [
    ...velocity(),
    // Many cards behind one device, IP or email; many devices, IPs and countries behind one card.
    distinct('device_cards_24h', 'device', 'cardId', '24h'),
    distinct('device_cards_7d', 'device', 'cardId', '7d'),
    distinct('ip_cards_24h', 'ip', 'cardId', '24h'),
    distinct('email_cards_7d', 'email', 'cardId', '7d'),
    distinct('card_devices_7d', 'card', 'deviceId', '7d'),
    distinct('card_ips_24h', 'card', 'ip', '24h'),
    distinct('card_countries_7d', 'card', 'ipCountry', '7d'),
    distinct('user_cards_30d', 'user', 'cardId', '30d'),
    // The amount against the usual one.
    { name: 'amount', derive: 'field', value: 'amount' },
    {
      name: 'user_amount_mean_30d',
      on: ['payment'],
      by: 'user',
      agg: 'mean',
      value: 'amount',
      window: '30d',
    },
    {
      name: 'user_amount_std_30d',
      on: ['payment'],
      by: 'user',
      agg: 'stddev',
      value: 'amount',
      window: '30d',
    },
    {
      name: 'card_amount_mean_30d',
      on: ['payment'],
      by: 'card',
      agg: 'mean',
      value: 'amount',
      window: '30d',
    },
    {
      name: 'card_amount_std_30d',
      on: ['payment'],
      by: 'card',
      agg: 'stddev',
      value: 'amount',
      window: '30d',
    },
    {
      name: 'user_amount_z_30d',
      derive: 'zscore',
      of: ['user_amount_mean_30d', 'user_amount_std_30d'],
      value: 'amount',
    },
    { name: 'user_amount_ratio_30d', derive: 'value_ratio', of: ['user_amount_mean_30d'], value: 'amount' },
    {
      name: 'card_amount_z_30d',
      derive: 'zscore',
      of: ['card_amount_mean_30d', 'card_amount_std_30d'],
      value: 'amount',
    },
    { name: 'card_amount_ratio_30d', derive: 'value_ratio', of: ['card_amount_mean_30d'], value: 'amount' },
    // First seen on this account: counts over the account's lifetime, read before the payment.
    { name: 'user_card_payments', on: ['payment'], by: 'user+card', agg: 'count', window: 'lifetime' },
    { name: 'user_device_payments', on: ['payment'], by: 'user+device', agg: 'count', window: 'lifetime' },
    {
      name: 'user_country_payments',
      on: ['payment'],
      by: 'user+ip_country',
      agg: 'count',
      window: 'lifetime',
    },
    { name: 'new_card_for_user', derive: 'is_new', of: ['user_card_payments'] },
    { name: 'new_device_for_user', derive: 'is_new', of: ['user_device_payments'] },
    { name: 'new_country_for_user', derive: 'is_new', of: ['user_country_payments'] },
    // Where the money, the goods and the connection are.
    { name: 'billing_shipping_mismatch', derive: 'mismatch', fields: ['billingCountry', 'shippingCountry'] },
    { name: 'billing_ip_mismatch', derive: 'mismatch', fields: ['billingCountry', 'ipCountry'] },
    { name: 'shipping_ip_mismatch', derive: 'mismatch', fields: ['shippingCountry', 'ipCountry'] },
    // Wallets and accounts: the balances the payment carries, the share of the payer's balance it moves, how much
    // the payer's balance fell and the recipient's rose (where both balances are known).
    { name: 'balance_before', derive: 'field', value: 'balanceBefore' },
    { name: 'balance_after', derive: 'field', value: 'balanceAfter' },
    { name: 'recipient_balance_before', derive: 'field', value: 'recipientBalanceBefore' },
    { name: 'recipient_balance_after', derive: 'field', value: 'recipientBalanceAfter' },
    { name: 'amount_of_balance', derive: 'field_ratio', fields: ['amount', 'balanceBefore'] },
    { name: 'balance_drop', derive: 'field_difference', fields: ['balanceBefore', 'balanceAfter'] },
    {
      name: 'recipient_balance_rise',
      derive: 'field_difference',
      fields: ['recipientBalanceAfter', 'recipientBalanceBefore'],
    },
    // Time since the last payment, and the account's age (its first `user` event).
    { name: 'card_last_payment', on: ['payment'], by: 'card', agg: 'last_seen', window: 'lifetime' },
    { name: 'user_last_payment', on: ['payment'], by: 'user', agg: 'last_seen', window: 'lifetime' },
    { name: 'card_since_last_payment', derive: 'time_since', of: ['card_last_payment'] },
    { name: 'user_since_last_payment', derive: 'time_since', of: ['user_last_payment'] },
    { name: 'user_signed_up', on: ['user'], by: 'user', agg: 'first_seen', window: 'lifetime' },
    { name: 'account_age', derive: 'time_since', of: ['user_signed_up'] },
    // The recipient: how busy it is, how many cards pay it, how much of what it received was fraud.
    { name: 'merchant_payments_24h', on: ['payment'], by: 'merchant', agg: 'count', window: '24h' },
    {
      name: 'merchant_amount_24h',
      on: ['payment'],
      by: 'merchant',
      agg: 'sum',
      value: 'amount',
      window: '24h',
    },
    distinct('merchant_cards_24h', 'merchant', 'cardId', '24h'),
    { name: 'merchant_payments', on: ['payment'], by: 'merchant', agg: 'count', window: 'lifetime' },
    // How the money moves: the share of each kind's payments labelled fraud so far (a target rate, point in time).
    { name: 'method_payments', on: ['payment'], by: 'method', agg: 'count', window: 'lifetime' },
    // Chargebacks so far: fraud labels, joined back to the entities of the payment each names.
    ...(['card', 'device', 'email', 'user', 'merchant', 'method'] as const).map((by): FeatureDefinition => ({
      name: `${by}_chargebacks`,
      on: ['label'],
      by,
      agg: 'count',
      window: 'lifetime',
      where: { field: 'isFraud', eq: true },
    })),
    { name: 'merchant_fraud_rate', derive: 'ratio', of: ['merchant_chargebacks', 'merchant_payments'] },
    { name: 'method_fraud_rate', derive: 'ratio', of: ['method_chargebacks', 'method_payments'] },
  ],
};

/**
 * How a reason says a feature in the store's language: `{v}` is its value (rounded), e.g. "7 cards on this
 * device in 24 h". Features without a phrase are named as they are.
 */
export const RISK_PHRASES: Record<string, string> = {
  ...Object.fromEntries(
    PAYERS.flatMap(([by, word]) =>
      WINDOWS.flatMap((w) => [
        [`${by}_payments_${w}`, `{v} payments on this ${word} in ${WINDOW_WORDS[w]}`],
        [`${by}_amount_${w}`, `{v} paid with this ${word} in ${WINDOW_WORDS[w]}`],
      ]),
    ),
  ),
  device_cards_24h: '{v} cards on this device in 24 h',
  device_cards_7d: '{v} cards on this device in 7 days',
  ip_cards_24h: '{v} cards from this IP address in 24 h',
  email_cards_7d: '{v} cards with this email in 7 days',
  card_devices_7d: '{v} devices used this card in 7 days',
  card_ips_24h: '{v} IP addresses used this card in 24 h',
  card_countries_7d: '{v} countries used this card in 7 days',
  user_cards_30d: '{v} cards on this account in 30 days',
  amount: 'an amount of {v}',
  user_amount_z_30d: 'the amount is {v} standard deviations from this account’s usual',
  user_amount_ratio_30d: 'the amount is {v}× this account’s average',
  card_amount_z_30d: 'the amount is {v} standard deviations from this card’s usual',
  card_amount_ratio_30d: 'the amount is {v}× this card’s average',
  new_card_for_user: 'a card never used on this account before',
  new_device_for_user: 'a device never used on this account before',
  new_country_for_user: 'a country never seen on this account before',
  billing_shipping_mismatch: 'billing and shipping countries differ',
  billing_ip_mismatch: 'the IP address is not in the billing country',
  shipping_ip_mismatch: 'the IP address is not in the shipping country',
  card_since_last_payment: '{d} since this card’s last payment',
  user_since_last_payment: '{d} since this account’s last payment',
  account_age: 'an account {d} old',
  card_chargebacks: '{v} chargebacks on this card',
  device_chargebacks: '{v} chargebacks on this device',
  email_chargebacks: '{v} chargebacks with this email',
  user_chargebacks: '{v} chargebacks on this account',
  balance_before: 'a balance of {v} before the payment',
  balance_after: 'a balance of {v} after the payment',
  amount_of_balance: 'the payment moves {v}× the balance',
  balance_drop: 'the balance fell by {v}',
  recipient_balance_rise: 'the recipient’s balance rose by {v}',
  merchant_payments_24h: '{v} payments to this recipient in 24 h',
  merchant_amount_24h: '{v} paid to this recipient in 24 h',
  merchant_cards_24h: '{v} cards paid this recipient in 24 h',
  merchant_chargebacks: '{v} chargebacks on payments to this recipient',
  merchant_fraud_rate: 'a recipient {v} of whose payments were fraud',
  method_chargebacks: '{v} chargebacks on payments of this kind',
  method_fraud_rate: 'a kind of payment {v} of which were fraud so far',
};

export const RISK_FEATURE_NAMES: readonly string[] = RISK_FEATURES.features.map((f) => f.name);

/** The features a model reads: the set's numbers, absolute times (first and last seen) left out. */
export function modelColumns(features: readonly CompiledFeature[]): string[] {
  return features.filter((f) => f.agg !== 'first_seen' && f.agg !== 'last_seen').map((f) => f.name);
}

/**
 * The features a server computes for the risk app beside its own (`--features`): the union, a feature both
 * define once. Two different definitions under one name are an error naming it.
 */
export function withRiskFeatures(served: readonly CompiledFeature[]): CompiledFeature[] {
  const risk = compileFeatures(RISK_FEATURES, 'risk features');
  const byName = new Map(served.map((f) => [f.name, f]));
  const added: CompiledFeature[] = [];
  for (const f of risk) {
    const other = byName.get(f.name);
    if (!other) added.push(f);
    else if (JSON.stringify(definitionOf(other)) !== JSON.stringify(definitionOf(f))) {
      throw new ShopstreamError(
        ERROR_CODES.INVALID_FEATURE,
        `${f.name}: the served features define it as ${JSON.stringify(definitionOf(other))}, the risk features as ${JSON.stringify(definitionOf(f))}; rename one`,
        { field: f.name },
      );
    }
  }
  return [...served, ...added];
}
