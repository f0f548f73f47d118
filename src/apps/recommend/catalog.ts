// The catalog as `product` events describe it (category, brand, title, price, stock), and content similarity over
// it: a product's terms (its category, brand and title words) weighted by rarity (idf), compared by cosine — so a
// product has neighbours the moment its `product` event is read, before anyone has looked at it.
import type { EventOf } from '../../core/index.js';

export interface Product {
  readonly productId: string;
  readonly title: string;
  readonly category: string;
  readonly brand: string | undefined;
  readonly price: number;
  readonly inStock: boolean;
}

/** Terms in more products than this are left out of similarity (they tell products apart no more than "the"). */
const COMMON_TERM = 5000;
const STOP = new Set(['the', 'a', 'an', 'and', 'of', 'for', 'with', 'in', 'on', 'to', 'by', 'x']);

function termsOf(p: Product): Map<string, number> {
  const terms = new Map<string, number>();
  terms.set(`category:${p.category.toLowerCase()}`, 2);
  if (p.brand) terms.set(`brand:${p.brand.toLowerCase()}`, 1.5);
  for (const word of p.title.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (word.length < 2 || STOP.has(word)) continue;
    terms.set(word, 1);
  }
  return terms;
}

export interface CatalogSnapshot {
  readonly products: Product[];
}

export class Catalog {
  private readonly products = new Map<string, Product>();
  private readonly terms = new Map<string, Map<string, number>>();
  /** term → products that have it. */
  private readonly postings = new Map<string, Set<string>>();

  /** Adds or replaces a product from its event. */
  apply(event: EventOf<'product'>): void {
    const product: Product = {
      productId: event.productId,
      title: event.title,
      category: event.category,
      brand: event.brand,
      price: event.price,
      inStock: event.inStock ?? true,
    };
    this.put(product);
  }

  get(productId: string): Product | undefined {
    return this.products.get(productId);
  }

  get size(): number {
    return this.products.size;
  }

  /** Products of a category (exact, case-insensitive). */
  inCategory(category: string): (productId: string) => boolean {
    const wanted = category.toLowerCase();
    return (id) => this.products.get(id)?.category.toLowerCase() === wanted;
  }

  /** The products most like `productId` by their terms, most similar first, with their cosine. */
  similar(productId: string, n: number): [string, number][] {
    const mine = this.terms.get(productId);
    if (!mine) return [];
    const count = this.products.size;
    const idf = (term: string) => Math.log(1 + count / (this.postings.get(term)?.size ?? 1));
    const dots = new Map<string, number>();
    let norm = 0;
    for (const [term, w] of mine) {
      const posting = this.postings.get(term);
      const x = w * idf(term);
      norm += x * x;
      if (!posting || posting.size > COMMON_TERM) continue;
      for (const other of posting) {
        if (other === productId) continue;
        const y = (this.terms.get(other)?.get(term) ?? 0) * idf(term);
        dots.set(other, (dots.get(other) ?? 0) + x * y);
      }
    }
    const out: [string, number][] = [];
    for (const [other, dot] of dots) {
      let otherNorm = 0;
      for (const [term, w] of this.terms.get(other) ?? []) otherNorm += (w * idf(term)) ** 2;
      out.push([other, dot / Math.sqrt(norm * otherNorm)]);
    }
    return out.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
  }

  private put(product: Product): void {
    const old = this.terms.get(product.productId);
    for (const term of old?.keys() ?? []) this.postings.get(term)?.delete(product.productId);
    const terms = termsOf(product);
    this.products.set(product.productId, product);
    this.terms.set(product.productId, terms);
    for (const term of terms.keys()) {
      let posting = this.postings.get(term);
      if (!posting) this.postings.set(term, (posting = new Set()));
      posting.add(product.productId);
    }
  }

  snapshot(): CatalogSnapshot {
    return { products: [...this.products.values()] };
  }

  static fromSnapshot(s: CatalogSnapshot): Catalog {
    const c = new Catalog();
    for (const p of s.products) c.put(p);
    return c;
  }
}
