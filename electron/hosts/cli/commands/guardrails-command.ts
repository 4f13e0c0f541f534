import fs from 'node:fs';
import type { GuardrailEvaluationOutput, GuardrailSettings } from '../../../../shared/contract/guardrail-schemas';
import { PII_TYPES } from '../../../../shared/domain/guardrail-rules';
import { UsageError, type CliIo, type CliPlan, type CliValues } from './cli-plan';
import { CallFailed, callCore } from './cli-call';

export const GUARDRAILS_COMMANDS_HELP = `  guardrails show [--workspace ID] [--json]             a workspace's guardrails (no --workspace: the org defaults)
  guardrails save [--workspace ID] --file FILE|-        set the policy from JSON (a policy, or a guardrails export)
  guardrails inherit --workspace ID                     the workspace uses the org defaults again
  guardrails test [--workspace ID] --file FILE|- [--direction input|output|both] [--json]
                                          offline test box: what each local policy does with the text in FILE
  guardrails export [--workspace ID]                    the guardrail configuration as JSON on stdout`;
const USAGE = `Usage:\n${GUARDRAILS_COMMANDS_HELP}`;

async function readText(values: CliValues, io: CliIo): Promise<string> {
  if (typeof values.file !== 'string') throw new UsageError(`--file FILE (or - for stdin) is required\n\n${USAGE}`);
  if (values.file !== '-') {
    try {
      return fs.readFileSync(values.file, 'utf8');
    } catch (error) {
      throw new CallFailed({ code: 'E_NOT_FOUND', message: `Cannot read ${values.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` });
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin ?? process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

function settingsText(s: GuardrailSettings): string {
  const p = s.effective;
  const lines = [
    s.scope === 'org' ? 'Org defaults' : s.inherits ? 'Inherits the org defaults' : 'Own policy',
    `PII (${p.pii.direction}): ${PII_TYPES.map((t) => `${t.id} ${p.pii.actions[t.id]}`).join(', ')}`,
    `Blocked terms (${p.blockedTerms.direction}, ${p.blockedTerms.action}): ${p.blockedTerms.terms.length}`,
    `Blocked patterns (${p.blockedPatterns.direction}, ${p.blockedPatterns.action}): ${p.blockedPatterns.patterns.map((x) => x.name).join(', ') || 'none'}`,
    `Max tokens: input ${p.maxInputTokens ?? 'no limit'}, output ${p.maxOutputTokens ?? 'no limit'}`,
    `Moderation: ${p.moderation.enabled ? `on (${p.moderation.direction})` : 'off'}; prompt injection: ${p.promptInjection.enabled ? 'on' : 'off'} (enforced by the gateway)`,
  ];
  return lines.join('\n');
}

function evaluationText(e: GuardrailEvaluationOutput): string {
  const findings = e.findings.map((f) => `  ${f.rule} (${f.action}): ${f.label}${f.excerpt ? ` ${f.excerpt}` : ''}`).join('\n');
  return [
    `${e.direction}: ${e.verdict.toUpperCase()}`,
    findings || '  no local rule matched',
    ...e.gatewayChecks.map((g) => `  also: ${g}`),
    ...e.timedOut.map((name) => `  pattern ${name} did not finish in time (counted as no match)`),
    e.verdict === 'redact' ? `  redacted: ${e.redactedText}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

/** `gatehouse guardrails show|save|inherit|test|export`. */
export function planGuardrailsCommand(args: string[], values: CliValues): CliPlan {
  const [sub, ...rest] = args;
  if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest.join(' ')}"\n\n${USAGE}`);
  if (!['show', 'save', 'inherit', 'test', 'export'].includes(sub ?? '')) throw new UsageError(`Unknown guardrails command "${sub ?? ''}"\n\n${USAGE}`);
  const workspaceId = typeof values.workspace === 'string' ? values.workspace : undefined;
  if (sub === 'inherit' && !workspaceId) throw new UsageError(`guardrails inherit needs --workspace ID\n\n${USAGE}`);
  const direction = values.direction ?? 'input';
  if (!['input', 'output', 'both'].includes(String(direction))) throw new UsageError('--direction is input, output or both');
  const json = values.json === true;
  const scope = workspaceId ? { workspaceId } : {};
  return {
    resumesInterruptedWork: false,
    async run(client, io) {
      try {
        switch (sub) {
          case 'show': {
            const s = await callCore<GuardrailSettings>(client, 'guardrails:get', scope);
            io.out(json ? JSON.stringify(s, null, 2) : settingsText(s));
            return 0;
          }
          case 'save': {
            let parsed: unknown;
            try {
              parsed = JSON.parse(await readText(values, io));
            } catch (error) {
              if (error instanceof CallFailed || error instanceof UsageError) throw error;
              throw new CallFailed({ code: 'E_VALIDATION', message: 'The file is not JSON' });
            }
            const policy = (parsed as { format?: string; policy?: unknown } | null)?.format === 'gatehouse-guardrails/1' ? (parsed as { policy: unknown }).policy : parsed;
            const s = await callCore<GuardrailSettings>(client, 'guardrails:save', { ...scope, policy });
            io.out(json ? JSON.stringify(s, null, 2) : `Saved guardrails (version ${s.version})`);
            return 0;
          }
          case 'inherit': {
            const s = await callCore<GuardrailSettings>(client, 'guardrails:save', { workspaceId, inherits: true });
            io.out(`Workspace ${workspaceId} uses the org defaults (version ${s.version})`);
            return 0;
          }
          case 'test': {
            const text = await readText(values, io);
            const r = await callCore<{ evaluations: GuardrailEvaluationOutput[] }>(client, 'guardrails:test', { ...scope, text, direction });
            io.out(json ? JSON.stringify(r, null, 2) : r.evaluations.map(evaluationText).join('\n\n'));
            return r.evaluations.some((e) => e.verdict === 'block') ? 3 : 0;
          }
          default:
            io.out(JSON.stringify(await callCore(client, 'guardrails:export', scope), null, 2));
            return 0;
        }
      } catch (error) {
        if (!(error instanceof CallFailed)) throw error;
        io.err(`${error.payload.code}: ${error.payload.message}`);
        for (const issue of error.payload.issues ?? []) io.err(`  ${issue.path}: ${issue.message}`);
        return 1;
      }
    },
  };
}
