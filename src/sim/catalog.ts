// The simulated catalog: categories, brands, titled products with prices and a popularity skew.
import type { Random } from '../core/index.js';

export interface CategorySpec {
  readonly name: string;
  readonly nouns: readonly string[];
  /** Median price in EUR. */
  readonly basePrice: number;
}

export const CATEGORIES: readonly CategorySpec[] = [
  {
    name: 'electronics',
    nouns: ['headphones', 'speaker', 'charger', 'keyboard', 'mouse', 'monitor', 'webcam', 'tablet'],
    basePrice: 80,
  },
  { name: 'books', nouns: ['novel', 'cookbook', 'biography', 'atlas', 'thriller', 'poems'], basePrice: 15 },
  { name: 'clothing', nouns: ['t-shirt', 'jacket', 'jeans', 'sweater', 'dress', 'scarf'], basePrice: 35 },
  { name: 'shoes', nouns: ['sneakers', 'boots', 'sandals', 'loafers', 'trainers'], basePrice: 60 },
  { name: 'home', nouns: ['lamp', 'cushion', 'rug', 'vase', 'blanket', 'mirror'], basePrice: 40 },
  { name: 'kitchen', nouns: ['knives', 'pan', 'kettle', 'blender', 'mug', 'teapot'], basePrice: 30 },
  { name: 'sports', nouns: ['yoga-mat', 'dumbbells', 'racket', 'helmet', 'bottle'], basePrice: 35 },
  { name: 'beauty', nouns: ['lipstick', 'cream', 'shampoo', 'perfume', 'serum'], basePrice: 20 },
  { name: 'toys', nouns: ['puzzle', 'blocks', 'doll', 'boardgame', 'kite'], basePrice: 25 },
  { name: 'garden', nouns: ['hose', 'planter', 'shovel', 'seeds', 'hammock'], basePrice: 30 },
  { name: 'grocery', nouns: ['coffee', 'tea', 'chocolate', 'olive-oil', 'pasta'], basePrice: 8 },
  { name: 'jewelry', nouns: ['necklace', 'ring', 'bracelet', 'earrings', 'watch'], basePrice: 120 },
];

const ADJECTIVES = [
  'classic',
  'premium',
  'compact',
  'wireless',
  'organic',
  'vintage',
  'deluxe',
  'eco',
  'smart',
  'soft',
  'bold',
  'mini',
  'pro',
  'cozy',
];
const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ra',
  'ten',
  'vo',
  'zu',
  'bel',
  'dor',
  'fi',
  'gra',
  'nex',
  'pol',
  'sil',
  'tra',
  'vin',
];

export interface SimProduct {
  readonly productId: string;
  readonly category: number;
  readonly categoryName: string;
  readonly noun: string;
  readonly adjective: string;
  readonly brand: string;
  readonly title: string;
  readonly price: number;
  /** Relative popularity within its category (Zipf-like). */
  readonly popularity: number;
}

export interface Catalog {
  readonly products: readonly SimProduct[];
  /** Product indexes per category, most popular first. */
  readonly byCategory: readonly (readonly number[])[];
  /** Cumulative popularity per category, for fast weighted draws. */
  readonly cumulative: readonly Float64Array[];
  readonly brands: readonly (readonly string[])[];
}

/** A catalog of `count` products spread over the categories. */
export function buildCatalog(count: number, rng: Random): Catalog {
  const brands = CATEGORIES.map(() => Array.from({ length: 5 }, () => brandName(rng)));
  const products: SimProduct[] = [];
  const byCategory: number[][] = CATEGORIES.map(() => []);
  for (let i = 0; i < count; i++) {
    const category = i % CATEGORIES.length;
    const spec = CATEGORIES[category] as CategorySpec;
    const noun = rng.pick(spec.nouns);
    const adjective = rng.pick(ADJECTIVES);
    const brand = rng.pick(brands[category] as string[]);
    const price = Math.round(spec.basePrice * rng.logNormal(0, 0.5) * 100) / 100;
    const rank = byCategory[category]!.length + 1;
    byCategory[category]!.push(i);
    products.push({
      productId: `p${i + 1}`,
      category,
      categoryName: spec.name,
      noun,
      adjective,
      brand,
      title: `${brand} ${adjective} ${noun}`,
      price: Math.max(0.5, price),
      popularity: 1 / Math.pow(rank, 0.9),
    });
  }
  const cumulative = byCategory.map((indexes) => {
    const sums = new Float64Array(indexes.length);
    let sum = 0;
    indexes.forEach((p, k) => (sums[k] = sum += (products[p] as SimProduct).popularity));
    return sums;
  });
  return { products, byCategory, cumulative, brands };
}

/** A product of the category drawn by popularity. */
export function drawProduct(catalog: Catalog, category: number, rng: Random): SimProduct {
  const sums = catalog.cumulative[category] as Float64Array;
  const indexes = catalog.byCategory[category] as number[];
  return catalog.products[indexes[drawCumulative(sums, rng)] as number] as SimProduct;
}

/** An index drawn with probability proportional to its weight, given the running sums of the weights. */
export function drawCumulative(sums: Float64Array, rng: Random): number {
  const r = rng.next() * (sums[sums.length - 1] ?? 0);
  let lo = 0;
  let hi = sums.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sums[mid] as number) < r) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function brandName(rng: Random): string {
  const n = rng.int(2, 4);
  let name = '';
  for (let i = 0; i < n; i++) name += rng.pick(SYLLABLES);
  return name.charAt(0).toUpperCase() + name.slice(1);
}
