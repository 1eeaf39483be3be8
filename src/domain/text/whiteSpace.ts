/**
 * What the pipeline trims as white space, in one place: around records (the stager, on UTF-8
 * bytes) and around field values (the contract's SQL). Unicode's White_Space characters
 * (tab, line breaks, no-break space, the em and ideographic spaces, …) plus U+FEFF, which is
 * not White_Space but turns up as a stray byte order mark inside text and is invisible.
 *
 * Why not the engines' own trims: DuckDB's `trim()` strips U+0020 and the space separators
 * (U+00A0, U+2003, U+3000, …) but not tab, line breaks, U+0085, U+2028/2029 or U+FEFF, so a
 * field holding a tab was kept as a value; its `trim(s, characters)` form is about ten times
 * slower than one regular expression on a million records.
 */
export const whiteSpaceCodePoints: readonly number[] = [
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005,
  0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff,
];

const whiteSpaceSet = new Set(whiteSpaceCodePoints);

export const isWhiteSpaceCodePoint = (codePoint: number): boolean => whiteSpaceSet.has(codePoint);

/** A character class for DuckDB's regular expressions (RE2): `[\x{9}-\x{d}\x{20}…]`, runs as ranges. */
const sqlClass = (() => {
  const hex = (c: number): string => `\\x{${c.toString(16)}}`;
  const items: string[] = [];
  for (let i = 0; i < whiteSpaceCodePoints.length; ) {
    let j = i;
    while (whiteSpaceCodePoints[j + 1] === (whiteSpaceCodePoints[j] as number) + 1) j++;
    const first = whiteSpaceCodePoints[i] as number;
    const last = whiteSpaceCodePoints[j] as number;
    items.push(j > i ? `${hex(first)}-${hex(last)}` : hex(first));
    i = j + 1;
  }
  return `[${items.join('')}]`;
})();

/**
 * SQL that trims white space from both ends of a VARCHAR expression (NULL stays NULL). One
 * regular expression with both anchors measured about as fast as `trim()` on generated offers.
 * Most values have none: a match (a DFA, no rewrite) picks the ones that do, and only those
 * are rewritten (measured 0.95 s instead of 1.2 s of CPU for six fields of 2M records).
 * `expression` should be a column: it appears three times.
 */
export function sqlTrimWhiteSpace(expression: string): string {
  const ends = `'^${sqlClass}+|${sqlClass}+$'`;
  return `CASE WHEN regexp_matches(${expression}, ${ends}) THEN regexp_replace(${expression}, ${ends}, '', 'g') ELSE ${expression} END`;
}

/**
 * SQL for a string of every white-space character, built with `chr()`, which Athena (Trino)
 * and DuckDB both have: `translate(s, <this>, '')` removes them all on both engines, where
 * `regexp_replace` would not (DuckDB replaces only the first match without its own `'g'` flag,
 * which Trino does not take), and no raw control character ends up in the SQL text.
 */
export function sqlWhiteSpaceCharacters(): string {
  return whiteSpaceCodePoints.map((codePoint) => `chr(${codePoint})`).join(' || ');
}

/** The UTF-8 bytes of every white-space character, by first byte. */
const sequencesByLead: ReadonlyMap<number, readonly Buffer[]> = (() => {
  const map = new Map<number, Buffer[]>();
  for (const codePoint of whiteSpaceCodePoints) {
    const bytes = Buffer.from(String.fromCodePoint(codePoint), 'utf8');
    const lead = bytes[0] as number;
    map.set(lead, [...(map.get(lead) ?? []), bytes]);
  }
  return map;
})();

/** Bytes that can start a white-space character, as a table: most bytes are ruled out at once. */
const mayStartWhiteSpace: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (const lead of sequencesByLead.keys()) table[lead] = 1;
  return table;
})();

/** Bytes that can end one (the last byte of any of the sequences). */
const mayEndWhiteSpace: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (const sequences of sequencesByLead.values())
    for (const bytes of sequences) table[bytes[bytes.length - 1] as number] = 1;
  return table;
})();

const matchesAt = (bytes: Buffer, at: number, sequence: Buffer): boolean => {
  for (let k = 0; k < sequence.length; k++) if (bytes[at + k] !== sequence[k]) return false;
  return true;
};

/**
 * The length in bytes of the white-space character at `at` (before `end`), 0 when there is
 * none, or -1 when the bytes up to `end` are the start of one and more bytes would decide.
 */
export function whiteSpaceAt(bytes: Buffer, at: number, end = bytes.length): number {
  const lead = bytes[at];
  if (lead === undefined || at >= end || mayStartWhiteSpace[lead] === 0) return 0;
  let incomplete = false;
  for (const sequence of sequencesByLead.get(lead) ?? []) {
    if (at + sequence.length <= end) {
      if (matchesAt(bytes, at, sequence)) return sequence.length;
    } else if (matchesAt(bytes, at, sequence.subarray(0, end - at))) incomplete = true;
  }
  return incomplete ? -1 : 0;
}

/** Bytes of white space at the start of `bytes[start, end)`. */
export function leadingWhiteSpace(bytes: Buffer, start: number, end: number): number {
  let at = start;
  for (let n = whiteSpaceAt(bytes, at, end); n > 0; n = whiteSpaceAt(bytes, at, end)) at += n;
  return at - start;
}

/**
 * Bytes of white space at the end of `bytes[start, end)`. UTF-8 is self-synchronising, so a
 * white-space sequence found by its last bytes is a whole character, never the tail of another.
 */
export function trailingWhiteSpace(bytes: Buffer, start: number, end: number): number {
  let at = end;
  outer: while (at > start && mayEndWhiteSpace[bytes[at - 1] as number] === 1) {
    for (const length of [1, 2, 3]) {
      if (at - length < start) break;
      const lead = bytes[at - length] as number;
      for (const sequence of sequencesByLead.get(lead) ?? []) {
        if (sequence.length === length && matchesAt(bytes, at - length, sequence)) {
          at -= length;
          continue outer;
        }
      }
    }
    break;
  }
  return end - at;
}

/** The white-space sequences as a byte trie: node 0 is the root, `complete` marks a whole character. */
const trie = (() => {
  const children: Map<number, number>[] = [new Map()];
  const complete: boolean[] = [false];
  for (const sequences of sequencesByLead.values()) {
    for (const bytes of sequences) {
      let node = 0;
      for (const byte of bytes) {
        let child = children[node]?.get(byte);
        if (child === undefined) {
          child = children.length;
          children.push(new Map());
          complete.push(false);
          children[node]?.set(byte, child);
        }
        node = child;
      }
      complete[node] = true;
    }
  }
  return { children, complete };
})();

/**
 * Follows a run of bytes that might be white-space characters one byte at a time, for scanners
 * that see a character's bytes in different chunks. State 0: between characters; a positive
 * state: inside one; -1: not white space (final).
 */
export function nextWhiteSpaceState(state: number, byte: number): number {
  if (state < 0) return -1;
  const next = trie.children[state]?.get(byte);
  if (next === undefined) return -1;
  return trie.complete[next] ? 0 : next;
}
