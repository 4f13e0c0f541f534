import { Worker } from 'node:worker_threads';
import type { GuardrailPattern, TextMatch } from '../../../shared/domain/guardrail-rules';

/**
 * Runs user regexes off the core's thread, each under a time limit: a pattern that backtracks
 * catastrophically is cut off by terminating its worker, so it can never hang the app. The worker
 * is plain JavaScript (eval), so it needs no build step in any door (Electron bundle, tsx CLI,
 * tests). At most MAX_MATCHES matches are kept per text.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (job) => {
  try {
    const re = new RegExp(job.pattern, (job.ignoreCase ? 'i' : '') + 'gu');
    const out = job.texts.map((text) => {
      const found = [];
      for (const m of text.matchAll(re)) {
        found.push([m.index, m.index + m[0].length]);
        if (found.length >= ${1000}) break;
      }
      return found;
    });
    parentPort.postMessage({ id: job.id, ok: true, out });
  } catch (error) {
    parentPort.postMessage({ id: job.id, ok: false, message: String(error && error.message) });
  }
});
`;

export interface PatternRunResult {
  /** Per pattern name: its matches in each text (same order as the texts). */
  matches: Map<string, TextMatch[][]>;
  /** Names of the patterns that did not finish within the time limit. */
  timedOut: string[];
  /** Names of the patterns the engine refused, with its message. */
  invalid: Map<string, string>;
}

export interface PatternRunner {
  run(patterns: readonly GuardrailPattern[], texts: readonly string[], timeLimitMs: number): Promise<PatternRunResult>;
}

export function createPatternRunner(): PatternRunner {
  return {
    async run(patterns, texts, timeLimitMs) {
      const result: PatternRunResult = { matches: new Map(), timedOut: [], invalid: new Map() };
      if (patterns.length === 0) return result;
      let worker: Worker | null = null;
      let seq = 0;
      // The time limit starts once the worker runs, so its start-up never counts against a pattern.
      const spawn = () =>
        new Promise<Worker>((resolve, reject) => {
          const w = new Worker(WORKER_SOURCE, { eval: true });
          w.unref();
          w.once('online', () => resolve(w));
          w.once('error', reject);
        });
      try {
        for (const p of patterns) {
          worker ??= await spawn();
          const current = worker;
          const id = ++seq;
          const answer = await new Promise<{ ok: true; out: Array<Array<[number, number]>> } | { ok: false; message: string } | 'timeout'>((resolve) => {
            const timer = setTimeout(() => resolve('timeout'), timeLimitMs);
            const onMessage = (msg: { id: number; ok: boolean; out?: Array<Array<[number, number]>>; message?: string }) => {
              if (msg.id !== id) return;
              clearTimeout(timer);
              current.off('message', onMessage);
              resolve(msg.ok ? { ok: true, out: msg.out! } : { ok: false, message: msg.message ?? 'invalid pattern' });
            };
            current.on('message', onMessage);
            current.once('error', (error) => {
              clearTimeout(timer);
              resolve({ ok: false, message: error.message });
            });
            current.postMessage({ id, pattern: p.pattern, ignoreCase: p.ignoreCase, texts });
          });
          if (answer === 'timeout') {
            result.timedOut.push(p.name);
            void current.terminate(); // the only way to stop a running regex
            worker = null;
          } else if (!answer.ok) result.invalid.set(p.name, answer.message);
          else result.matches.set(p.name, answer.out.map((list) => list.map(([start, end]) => ({ start, end }))));
        }
      } finally {
        if (worker) void worker.terminate();
      }
      return result;
    },
  };
}
