import { describe, expect, it } from 'vitest';
import {
  leadingWhiteSpace,
  nextWhiteSpaceState,
  trailingWhiteSpace,
  whiteSpaceAt,
  whiteSpaceCodePoints,
} from '../../src/domain/text/whiteSpace.ts';

describe('white space', () => {
  it("is Unicode's White_Space, and U+FEFF", () => {
    const unicode: number[] = [];
    for (let c = 0; c <= 0x10ffff; c++) if (/\p{White_Space}/u.test(String.fromCodePoint(c))) unicode.push(c);
    expect(whiteSpaceCodePoints).toEqual([...unicode, 0xfeff].sort((a, b) => a - b));
  });

  it('is trimmed from UTF-8 bytes, every character of it, and nothing else', () => {
    for (const c of whiteSpaceCodePoints) {
      const ws = String.fromCodePoint(c);
      const bytes = Buffer.from(`${ws}${ws}x${ws}y${ws}`, 'utf8');
      const size = Buffer.byteLength(ws);
      expect(leadingWhiteSpace(bytes, 0, bytes.length), c.toString(16)).toBe(2 * size);
      expect(trailingWhiteSpace(bytes, 0, bytes.length), c.toString(16)).toBe(size);
    }
    for (const text of ['\u200bx', 'x\u200b', '\u180ex', '\ufffdx', 'é', '\u2000\u00e9']) {
      const bytes = Buffer.from(text, 'utf8');
      expect(
        leadingWhiteSpace(bytes, 0, bytes.length) + trailingWhiteSpace(bytes, 0, bytes.length),
        text,
      ).toBe(text.startsWith('\u2000') ? 3 : 0);
    }
  });

  it('tells a character cut by the end of the bytes from one that is not white space', () => {
    const ideographic = Buffer.from('\u3000', 'utf8');
    expect(whiteSpaceAt(ideographic, 0)).toBe(3);
    expect(whiteSpaceAt(ideographic, 0, 2)).toBe(-1);
    expect(whiteSpaceAt(Buffer.from([0xe3, 0x81]), 0)).toBe(0);
    expect(leadingWhiteSpace(ideographic, 0, 2)).toBe(0);
  });

  it('follows a character byte by byte across chunks', () => {
    const follow = (bytes: number[]): number =>
      bytes.reduce((state, byte) => nextWhiteSpaceState(state, byte), 0);
    expect(follow([...Buffer.from('\u00a0\u3000\ufeff', 'utf8')])).toBe(0);
    expect(follow([0xe3, 0x80])).toBeGreaterThan(0);
    expect(follow([...Buffer.from('\u00a0x', 'utf8')])).toBe(-1);
    expect(follow([...Buffer.from('\u00e9', 'utf8')])).toBe(-1);
  });
});
