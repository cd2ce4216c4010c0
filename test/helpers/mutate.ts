/** Small seeded PRNG (mulberry32): fuzz cases are the same on every run and every machine. */
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

/** One random corruption of a valid report: the kinds of damage real pipelines produce. */
export function mutate(input: Buffer, random: () => number): Buffer {
  const at = (n: number) => Math.floor(random() * n);
  const bytes = Buffer.from(input);
  switch (at(8)) {
    case 0: // flipped byte
      if (bytes.length > 0) bytes[at(bytes.length)] = at(256);
      return bytes;
    case 1: // truncated upload or full disk
      return bytes.subarray(0, at(bytes.length));
    case 2: {
      // chunk lost
      const start = at(bytes.length);
      return Buffer.concat([bytes.subarray(0, start), bytes.subarray(start + 1 + at(64))]);
    }
    case 3: {
      // chunk duplicated
      const start = at(bytes.length);
      const chunk = bytes.subarray(start, start + 1 + at(64));
      return Buffer.concat([bytes.subarray(0, start), chunk, chunk, bytes.subarray(start)]);
    }
    case 4: {
      // a digit becomes a letter or a sign
      const digits = [...bytes.entries()].filter(([, b]) => b >= 0x30 && b <= 0x39).map(([i]) => i);
      if (digits.length > 0) bytes[digits[at(digits.length)]!] = 'x-.e'.charCodeAt(at(4));
      return bytes;
    }
    case 5: {
      // invalid UTF-8 inserted
      const start = at(bytes.length);
      return Buffer.concat([
        bytes.subarray(0, start),
        Buffer.from([0xc3, 0x28, 0xff]),
        bytes.subarray(start),
      ]);
    }
    case 6: {
      // a number grows huge or negative
      const text = bytes.toString('latin1');
      const matches = [...text.matchAll(/\d+/g)];
      const match = matches[at(matches.length)];
      if (!match) return bytes;
      const replacement = ['-1', '99999999999999999999', '1e400', '0', '3.5'][at(5)]!;
      return Buffer.from(
        text.slice(0, match.index) + replacement + text.slice(match.index! + match[0].length),
        'latin1',
      );
    }
    default: {
      // a line dropped
      const lines = bytes.toString('latin1').split('\n');
      lines.splice(at(lines.length), 1);
      return Buffer.from(lines.join('\n'), 'latin1');
    }
  }
}
