import { performance } from 'node:perf_hooks';

export function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Median over `runs` of the mean microseconds per call of `fn`, called `iterations` times per run. */
export function timePerCall(fn: () => void, iterations: number, runs = 7): number {
  const perRun: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) fn();
    perRun.push(((performance.now() - start) * 1000) / iterations);
  }
  return median(perRun);
}
