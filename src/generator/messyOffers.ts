/**
 * Realistic, messy scraped offers for demos, tests at scale and benchmarks. Deterministic for
 * a seed. The mix follows what the sources really send (see the README's data contract): many price spellings,
 * areas as strings, odd property types, bad dates, duplicates, broken lines.
 */

/** mulberry32: tiny, fast, good enough for test data, and the same on every platform. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const municipalities = [
  'Zürich',
  'Genève',
  'Basel',
  'Lausanne',
  'Bern',
  'Winterthur',
  'Luzern',
  'St. Gallen',
  'Lugano',
  'Biel/Bienne',
  'Thun',
  'Köniz',
  'La Chaux-de-Fonds',
  'Fribourg',
  'Schaffhausen',
  'Chur',
  'Vernier',
  'Neuchâtel',
  'Uster',
  'Sion',
  'Pont-de-la-Morge (Sion)',
  'Hérémence',
  'Solothurn',
  'Volketswil',
  'Meisterschwanden',
  'Le Sentier',
];

const propertyTypes = [
  'apartment',
  'house',
  'apartment',
  'house',
  'Apartment',
  ' house ',
  'studio',
  'maisonnette',
  'HOUSE',
];

function groupThousands(value: number, separator: string): string {
  return Math.round(value)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, separator);
}

/** Price spellings seen in the sources, all meaning `price`. */
const priceSpellings: ReadonlyArray<(price: number) => string | number> = [
  (p) => `${groupThousands(p, ' ')}€/mo.`,
  (p) => `${Math.round(p)}.0€/mo`,
  (p) => `Loyer: ${Math.round(p)}€/mo`,
  (p) => `CHF ${groupThousands(p, "'")}`,
  (p) => `${groupThousands(p, '’')}.–`,
  (p) => `CHF ${groupThousands(p, '\u00a0')}.-`,
  (p) => `Prix: ${groupThousands(p, '\u202f')} €`,
  (p) => `€ ${groupThousands(p, '.')},00`,
  (p) => Math.round(p),
];

const unparseablePrices = ['Preis auf Anfrage', 'on request', '', 'Prix sur demande', '-450 000 €', '1.250'];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function isoDate(random: () => number): string {
  const day = new Date(Date.UTC(2018, 0, 1) + Math.floor(random() * 6 * 365) * 86_400_000);
  return day.toISOString().slice(0, 10);
}

/** Yields `rows` JSON Lines records (no trailing newline on each). */
export function* messyOfferLines(rows: number, seed = 1): Generator<string> {
  const random = seededRandom(seed);
  let previousId = 'a0000000';
  for (let i = 0; i < rows; i++) {
    const roll = random();
    if (roll < 0.002) {
      yield `{"id": "${i.toString(16)}", "raw_price": "530 000€`; // cut mid-record
      continue;
    }
    // About 2% repeat an earlier id (a later scrape of the same offer).
    const id = roll < 0.022 ? previousId : i.toString(16).padStart(8, '0');
    previousId = i.toString(16).padStart(8, '0');
    const area = 20 + random() * 280;
    const pricePerSqm = 3000 + random() * 9000;
    const defect = random();
    const record: Record<string, unknown> = {
      id: random() < 0.05 ? i : id,
      raw_price:
        defect < 0.03 ? pick(random, unparseablePrices) : pick(random, priceSpellings)(area * pricePerSqm),
      living_area:
        defect > 0.97
          ? Math.round(random() * 2000) / 10
          : random() < 0.1
            ? `${area.toFixed(1)}`
            : Math.round(area),
      property_type: pick(random, propertyTypes),
      municipality: pick(random, municipalities),
      scraping_date:
        defect > 0.03 && defect < 0.045
          ? pick(random, ['2021-02-30', '17.02.2021', '2021/02/17'])
          : isoDate(random),
    };
    if (defect > 0.045 && defect < 0.055) delete record.municipality;
    if (random() < 0.05) record.url = `https://example.invalid/offer/${i}`; // extra fields occur
    yield JSON.stringify(record);
  }
}
