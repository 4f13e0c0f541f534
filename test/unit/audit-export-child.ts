/**
 * Child process for the 1M-entry audit export test: runs one CLI command in this fresh process,
 * then prints its peak RSS (`process.resourceUsage().maxRSS`, KiB) so the number is this export's own.
 */
import { runCli } from '../../electron/hosts/cli/cli';

const started = performance.now();
const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
});
const usage = { code, maxRssKiB: process.resourceUsage().maxRSS, ms: Math.round(performance.now() - started) };
process.stdout.write(`RUSAGE ${JSON.stringify(usage)}\n`);
process.exitCode = code;
