import { describe, expect, it } from 'vitest';
import { entityId } from '../domain/entities.ts';
import { CATEGORIES } from './clothing.ts';
import { COUNTRIES } from './europe.ts';
import { generateCustomers, generateProducts } from './reference-data.ts';
import { SUPPLIERS } from './suppliers.ts';

describe('generateCustomers', () => {
  const customers = [...generateCustomers(3000, 42)];

  it('yields `count` customers with sequential zero-padded ids', () => {
    expect(customers).toHaveLength(3000);
    customers.forEach((c, i) => expect(c.id).toBe(entityId('customer', i + 1)));
    expect(customers[0]!.id).toBe('CUS-000001');
  });

  it('is deterministic per seed', () => {
    expect([...generateCustomers(200, 42)]).toEqual(customers.slice(0, 200));
    expect([...generateCustomers(200, 43)]).not.toEqual(customers.slice(0, 200));
  });

  it('gives coherent names, cities and countries', () => {
    const byName = new Map(COUNTRIES.map((c) => [c.name, c]));
    for (const c of customers) {
      const country = byName.get(c.country);
      expect(country, c.country).toBeDefined();
      expect(country!.cities.map(([city]) => city)).toContain(c.city);
      const [first, ...rest] = c.name.split(' ');
      expect(country!.firstNames).toContain(first);
      expect(country!.lastNames).toContain(rest.join(' '));
      expect(country!.mailDomains).toContain(c.email.split('@')[1]);
    }
  });

  it('has unique ASCII e-mails and mostly French customers', () => {
    const emails = customers.map((c) => c.email);
    expect(new Set(emails).size).toBe(emails.length);
    for (const e of emails) expect(e).toMatch(/^[a-z0-9._]+@[a-z0-9.-]+\.[a-z]+$/);
    const france = customers.filter((c) => c.country === 'France').length / customers.length;
    expect(france).toBeGreaterThan(0.35);
    // Every other country is far behind.
    const counts = new Map<string, number>();
    for (const c of customers) counts.set(c.country, (counts.get(c.country) ?? 0) + 1);
    const [top, second] = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    expect(top![0]).toBe('France');
    expect(top![1]).toBeGreaterThan(2 * second![1]);
  });

  it('does not depend on how many customers are generated', () => {
    expect([...generateCustomers(50, 42)]).toEqual(customers.slice(0, 50));
  });
});

describe('generateProducts', () => {
  const products = [...generateProducts(2000, 42)];
  const categories = new Map(CATEGORIES.map((c) => [c.name, c]));

  it('yields `count` products with sequential zero-padded ids, deterministic per seed', () => {
    expect(products).toHaveLength(2000);
    products.forEach((p, i) => expect(p.id).toBe(entityId('product', i + 1)));
    expect([...generateProducts(100, 42)]).toEqual(products.slice(0, 100));
    expect([...generateProducts(100, 1)]).not.toEqual(products.slice(0, 100));
  });

  it('sells clothing: known categories, names made of the category nouns', () => {
    for (const p of products) {
      const category = categories.get(p.category);
      expect(category, p.category).toBeDefined();
      expect(category!.nouns.some((noun) => p.product_name.includes(` ${noun} - `))).toBe(true);
      expect(p.product_name).not.toMatch(/phone|laptop|tablet|headphone|charger|tv\b/i);
    }
    // Every category is represented in a catalogue this size.
    expect(new Set(products.map((p) => p.category)).size).toBe(CATEGORIES.length);
  });

  it('prices each product inside its category band, ending in .99 or .90', () => {
    for (const p of products) {
      const category = categories.get(p.category)!;
      expect(Number.isInteger(p.price_cents)).toBe(true);
      expect([90, 99]).toContain(p.price_cents % 100);
      expect(p.price_cents).toBeGreaterThanOrEqual(Math.floor(category.minCents / 100) * 100);
      expect(p.price_cents).toBeLessThanOrEqual(category.maxCents);
    }
    const mean = (name: string) => {
      const prices = products.filter((p) => p.category === name).map((p) => p.price_cents);
      return prices.reduce((a, b) => a + b, 0) / prices.length;
    };
    expect(mean('Jackets & Coats')).toBeGreaterThan(mean('T-Shirts'));
  });

  it('has stock quantities from 0 to 500, a few sold out', () => {
    const stock = products.map((p) => p.stock_quantity);
    for (const s of stock) expect(Number.isInteger(s) && s >= 0 && s <= 500).toBe(true);
    const soldOut = stock.filter((s) => s === 0).length / stock.length;
    expect(soldOut).toBeGreaterThan(0.01);
    expect(soldOut).toBeLessThan(0.1);
  });

  it('gives each product a supplier of its category and per-unit costs below its price', () => {
    const byId = new Map(SUPPLIERS.map((s) => [s.id, s]));
    for (const p of products) {
      const supply = p.supply!;
      const profile = byId.get(supply.supplier.id);
      expect(profile, supply.supplier.id).toBeDefined();
      expect(profile!.categories).toContain(p.category);
      expect(supply.supplier).toEqual({
        id: profile!.id,
        name: profile!.name,
        country: profile!.country,
        shipping_days: profile!.shipping_days,
      });
      expect(Number.isInteger(supply.supplier_cost_cents)).toBe(true);
      expect(Number.isInteger(supply.shipping_cost_cents)).toBe(true);
      expect(supply.supplier_cost_cents).toBeGreaterThan(0);
      expect(supply.shipping_cost_cents).toBeGreaterThan(0);
      // Every sale makes a gross margin.
      expect(supply.supplier_cost_cents + supply.shipping_cost_cents).toBeLessThan(p.price_cents);
    }
    // Every supplier is used in a catalogue this size.
    expect(new Set(products.map((p) => p.supply!.supplier.id)).size).toBe(SUPPLIERS.length);
  });

  it('costs follow the category: coats and shoes cost a larger share of their price than accessories', () => {
    const share = (name: string) => {
      const of = products.filter((p) => p.category === name);
      return (
        of.reduce((sum, p) => sum + p.supply!.supplier_cost_cents / p.price_cents, 0) / of.length
      );
    };
    for (const category of CATEGORIES) {
      const s = share(category.name);
      expect(s, category.name).toBeGreaterThan(category.costShare[0] * 0.8);
      expect(s, category.name).toBeLessThan(category.costShare[1] * 1.15);
    }
    expect(share('Sneakers & Shoes')).toBeGreaterThan(share('Accessories'));
  });

  it('draws suppliers and costs from their own stream: the catalogue columns of a seed stay as they were', () => {
    // The first products of seed 42 as the generator wrote them before costs existed.
    expect(products.slice(0, 3).map(({ supply: _, ...catalogue }) => catalogue)).toEqual([
      {
        id: 'PRD-00001',
        product_name: 'Everyday Tote Bag - Grey',
        category: 'Accessories',
        price_cents: 3499,
        stock_quantity: 330,
      },
      {
        id: 'PRD-00002',
        product_name: 'Cosy Mini Skirt - Lavender',
        category: 'Dresses & Skirts',
        price_cents: 5499,
        stock_quantity: 342,
      },
      {
        id: 'PRD-00003',
        product_name: 'Relaxed Beanie - Cream',
        category: 'Accessories',
        price_cents: 2999,
        stock_quantity: 478,
      },
    ]);
  });
});
