import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/rules/duration.ts';

describe('parseDuration', () => {
  it.each([
    ['30s', 30],
    ['5m', 300],
    ['1h', 3600],
    ['7d', 604_800],
    ['2w', 1_209_600],
    ['0s', 0],
  ])('%s is %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', '5', 'm', '1.5h', '5 m', '-5m', '1h30m', '5M', '5min'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});

describe('formatDuration', () => {
  it.each([
    [3600, '1h'],
    [5400, '90m'],
    [90, '90s'],
    [604_800, '1w'],
    [172_800, '2d'],
    [0, '0s'],
  ])('%i seconds read %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
    expect(parseDuration(text)).toBe(seconds);
  });
});
