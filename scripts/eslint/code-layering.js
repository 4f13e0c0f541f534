// Layer rules as data (the idea of VS Code's .eslint-plugin-local/code-layering.ts): every import is
// resolved to what it points at (a repo file or a package) and checked against the table of layers
// that govern the importing file. The table lives in eslint.config.js; this file is only the checker.
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const defaultRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const builtins = new Set(builtinModules.filter((m) => !m.startsWith('_')).map((m) => m.split('/')[0]));
const testFile = /\.test\.tsx?$/;

/** `**` = any path, `*` = one segment. Patterns are compiled once per pattern string. */
const compiled = new Map();
function matches(pattern, value) {
  let re = compiled.get(pattern);
  if (!re) {
    const body = pattern
      .split('**')
      .map((part) => part.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*'))
      .join('.*');
    // `dir/**` also matches `dir` itself (an index import).
    re = new RegExp(`^${body.replace(/\/\.\*$/, '(/.*)?')}$`);
    compiled.set(pattern, re);
  }
  return re.test(value);
}
const any = (patterns, value) => (patterns ?? []).some((p) => matches(p, value));

/** What a specifier points at: `{ kind: 'file', name: 'electron/core/store/x' }` or `{ kind: 'package', name: 'react' | 'node:fs' }`. */
function resolveTarget(specifier, fromFile, root = defaultRoot) {
  if (specifier.startsWith('.') || path.isAbsolute(specifier)) {
    const absolute = path.resolve(path.dirname(fromFile), specifier);
    const name = path.relative(root, absolute).split(path.sep).join('/').replace(/\.(?:[cm]?[jt]s|[jt]sx)$/, '');
    return { kind: 'file', name };
  }
  const bare = specifier.replace(/^node:/, '');
  const [first = '', second] = bare.split('/');
  if (specifier.startsWith('node:') || builtins.has(first)) return { kind: 'package', name: `node:${first}` };
  return { kind: 'package', name: first.startsWith('@') && second ? `${first}/${second}` : first };
}

/** Every layer of `table` that governs `file` (repo-relative), with the test allowances folded in. */
function layersFor(table, file) {
  const isTest = testFile.test(file);
  return table.filter((layer) => any(layer.files, file) && !any(layer.ignores, file) && !(isTest && layer.exemptTests)).map((layer) => {
    if (!isTest || !layer.tests) return layer;
    return {
      ...layer,
      allowFiles: layer.allowFiles && [...layer.allowFiles, ...(layer.tests.allowFiles ?? [])],
      allowPackages: layer.allowPackages && [...layer.allowPackages, ...(layer.tests.allowPackages ?? [])],
    };
  });
}

/** Why `target` may not be imported under `layer`, or null when it may. */
function violation(layer, target) {
  const kind = target.kind === 'file' ? 'Files' : 'Packages';
  if (any(layer[`deny${kind}`], target.name)) return 'denied';
  const allow = layer[`allow${kind}`];
  if (allow && !any(allow, target.name)) return 'not allowed';
  return null;
}

export const codeLayering = {
  meta: {
    type: 'problem',
    docs: { description: 'Each folder imports only what its layer allows (table in eslint.config.js).' },
    schema: [
      {
        type: 'object',
        properties: { root: { type: 'string' }, layers: { type: 'array', items: { type: 'object' } } },
        required: ['layers'],
        additionalProperties: false,
      },
    ],
    messages: {
      layer: "{{layer}}: '{{specifier}}' ({{target}}) is {{why}} here. {{reason}}",
    },
  },
  create(context) {
    const { layers: table, root = defaultRoot } = context.options[0];
    const file = path.relative(root, context.filename).split(path.sep).join('/');
    if (file.startsWith('..')) return {};
    const layers = layersFor(table, file);
    if (layers.length === 0) return {};

    function check(node, source) {
      if (source?.type !== 'Literal' || typeof source.value !== 'string') return;
      const target = resolveTarget(source.value, context.filename, root);
      for (const layer of layers) {
        const why = violation(layer, target);
        if (why) {
          context.report({
            node: source,
            messageId: 'layer',
            data: { layer: layer.name, specifier: source.value, target: target.name, why, reason: layer.reason ?? '' },
          });
        }
      }
    }
    // `import type` and `export type` count: a type-only dependency is still a dependency.
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
      TSImportType: (node) => check(node, node.argument?.type === 'TSLiteralType' ? node.argument.literal : node.argument),
      TSExternalModuleReference: (node) => check(node, node.expression),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require') check(node, node.arguments[0]);
      },
    };
  },
};

export default { meta: { name: 'local' }, rules: { 'code-layering': codeLayering } };
