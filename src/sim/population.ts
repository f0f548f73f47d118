// Simulated shoppers: hidden category preferences, price sensitivity, activity, devices, cards and a home country.
import type { Random } from '../core/index.js';
import { CATEGORIES } from './catalog.js';

export const COUNTRIES = ['DE', 'FR', 'NL', 'GB', 'ES', 'IT', 'PL', 'US'] as const;
const COUNTRY_WEIGHTS = [30, 15, 10, 12, 9, 9, 7, 8];
const BINS = ['411111', '424242', '510510', '555555', '601100', '378282', '453201', '492181'];

export interface Shopper {
  readonly userId: string;
  readonly country: string;
  readonly email: string;
  /** Weight per category, summing to 1: what this shopper tends to browse and buy. */
  readonly preferences: Float64Array;
  /** 0 (price-blind) … 1 (bargain hunter). */
  readonly priceSensitivity: number;
  readonly activity: number;
  readonly devices: readonly string[];
  readonly cards: readonly { cardId: string; cardBin: string }[];
  readonly ip: string;
  readonly signupTs: number;
}

/** `count` shoppers who signed up before `start`. */
export function buildPopulation(count: number, start: number, rng: Random): Shopper[] {
  const shoppers: Shopper[] = [];
  for (let i = 0; i < count; i++) {
    const userId = `u${i + 1}`;
    const preferences = new Float64Array(CATEGORIES.length).fill(0.02);
    const liked = rng.int(1, 4);
    for (let k = 0; k < liked; k++) preferences[rng.int(0, CATEGORIES.length)]! += rng.exponential(1) + 0.3;
    let sum = 0;
    for (const w of preferences) sum += w;
    for (let k = 0; k < preferences.length; k++) preferences[k]! /= sum;
    const country = COUNTRIES[rng.weightedIndex(COUNTRY_WEIGHTS)] as string;
    const cards = Array.from({ length: rng.chance(0.3) ? 2 : 1 }, (_, k) => ({
      cardId: `card-${userId}-${k + 1}`,
      cardBin: rng.pick(BINS),
    }));
    shoppers.push({
      userId,
      country,
      email: `${userId}@mail.example`,
      preferences,
      priceSensitivity: Math.round(rng.next() * 100) / 100,
      activity: rng.logNormal(0, 0.8),
      devices: Array.from({ length: rng.chance(0.4) ? 2 : 1 }, (_, k) => `dev-${userId}-${k + 1}`),
      cards,
      ip: randomIp(rng),
      signupTs: start - rng.int(1, 720) * 3_600_000,
    });
  }
  return shoppers;
}

export function randomIp(rng: Random): string {
  return `${rng.int(11, 223)}.${rng.int(0, 256)}.${rng.int(0, 256)}.${rng.int(1, 255)}`;
}

export function randomBin(rng: Random): string {
  return rng.pick(BINS);
}
