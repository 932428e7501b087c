import { describe, expect, it } from 'vitest';
import { IntCounter } from '../../../src/text/int-counter.js';

describe('IntCounter', () => {
  it('counts keys, lists them in insertion order, breaks top ties by first position, and resets', () => {
    const c = new IntCounter();
    c.reset(4);
    const keys = [7, 1031, 7, 0, 1031, 7, 1, 5000];
    const counts = keys.map((k, i) => c.add(k, i));
    expect(counts).toEqual([1, 1, 2, 1, 2, 3, 2, 1]); // 0 is stored as 1: they share a count
    expect(c.size).toBe(4);
    expect(Array.from({ length: c.size }, (_, j) => c.keyAt(c.slotAt(j)))).toEqual([7, 1031, 1, 5000]);
    expect(Array.from({ length: c.size }, (_, j) => c.countAt(c.slotAt(j)))).toEqual([3, 2, 2, 1]);
    expect(c.top()).toEqual({ count: 3, at: 0 });
    c.add(1031, 9);
    expect(c.top()).toEqual({ count: 3, at: 0 }); // 7 and 1031 tie at 3: 7 was first
    c.reset(10_000); // grows past the initial capacity
    expect(c.size).toBe(0);
    for (let i = 0; i < 20_000; i++) c.add(Math.imul(i % 5000, 0x9e3779b1), i);
    expect(c.size).toBe(5000);
    expect(c.top()).toEqual({ count: 4, at: 0 });
  });
});
