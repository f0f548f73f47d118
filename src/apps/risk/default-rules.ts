// The rule set a data directory starts with (version 1 when none was deployed): the model's score bands and
// the tells a model may not have seen yet. The bands do not overlap, so a decision names its band once. `shopstream risk rules show` prints it for editing.
import type { RuleSetDocument } from './rules.js';

export const DEFAULT_RULES: RuleSetDocument = {
  description: 'shopstream default rules: score bands, chargeback history, card testing',
  rules: [
    {
      name: 'very high score',
      when: 'score >= 90',
      action: 'block',
      code: 'VERY_HIGH_SCORE',
      message: 'risk score {score} of 100',
    },
    {
      name: 'high score',
      when: 'score >= 50 && score < 90',
      action: 'review',
      code: 'HIGH_SCORE',
      message: 'risk score {score} of 100',
    },
    {
      name: 'elevated score',
      when: 'score >= 25 && score < 50',
      action: 'challenge',
      code: 'ELEVATED_SCORE',
      message: 'risk score {score} of 100',
    },
    {
      name: 'card with a chargeback',
      when: 'card_chargebacks >= 1',
      action: 'block',
      code: 'CARD_CHARGEBACK',
      message: '{card_chargebacks} chargebacks on this card',
    },
    {
      name: 'device with a chargeback',
      when: 'device_chargebacks >= 1',
      action: 'review',
      code: 'DEVICE_CHARGEBACK',
      message: '{device_chargebacks} chargebacks on this device',
    },
    {
      name: 'many cards on one device',
      when: 'device_cards_24h >= 4',
      action: 'review',
      code: 'DEVICE_MANY_CARDS',
      message: '{device_cards_24h} cards on this device in 24 h',
    },
    {
      name: 'card burst',
      when: 'card_payments_1h >= 5',
      action: 'challenge',
      code: 'CARD_BURST',
      message: '{card_payments_1h} payments on this card in an hour',
    },
  ],
};
