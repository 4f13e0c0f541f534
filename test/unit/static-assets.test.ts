import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_CSP, contentTypeFor, resolveStaticAsset } from '../../electron/core/static-assets';

const root = path.resolve('/srv/gatehouse/renderer');
const inRoot = (...parts: string[]) => path.join(root, ...parts);

describe('resolveStaticAsset', () => {
  it.each([
    ['/', 'index.html'],
    ['', 'index.html'],
    ['/index.html', 'index.html'],
    ['/assets/app.js', 'assets/app.js'],
    ['/assets/app.js?v=123', 'assets/app.js'],
    ['/assets/app.js#frag', 'assets/app.js'],
    ['/assets%2Fapp.js', 'assets/app.js'],
    ['/assets/caf%C3%A9.png', 'assets/café.png'],
    ['//assets/app.js', 'assets/app.js'],
    ['/..foo.js', '..foo.js'], // a name that starts with dots is not a parent reference
    ['/a/.../b.css', 'a/.../b.css'],
  ])('%j → %s under the root', (url, relative) => {
    expect(resolveStaticAsset(root, url)).toBe(inRoot(relative));
  });

  it.each(['/workspaces', '/workspaces/ws-abcd1234', '/keys?tab=active', '/settings/'])('extension-less app route %j → index.html', (url) => {
    expect(resolveStaticAsset(root, url)).toBe(inRoot('index.html'));
  });

  it.each([
    '/../package.json',
    '/..',
    '/../',
    '/assets/../../secret.txt',
    '/assets/../index.html', // even a traversal that would stay inside is refused
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/%2e%2e%2fsecret.txt',
    '/..%2fsecret.txt',
    '/..%5csecret.txt',
    '/..\\secret.txt',
    '/assets\\..\\..\\secret.txt',
    '/%2e%2e%5c%2e%2e%5csecret.txt',
    '/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/index.html%00.js',
    '/%00',
    '/\0/index.html',
    '/%E0%A4%A.js', // malformed percent-encoding
    '/%',
    '/%zz.js',
  ])('%j → null', (url) => {
    expect(resolveStaticAsset(root, url)).toBeNull();
  });

  it('a sibling directory sharing the root as a name prefix is never reachable', () => {
    // root + "-private" starts with the root string; only path-separator-bounded prefixes count.
    const result = resolveStaticAsset(root, '/..%2frenderer-private%2fsecret.txt');
    expect(result).toBeNull();
  });

  it('whatever the input, a non-null result is always inside the root', () => {
    const samples = [
      '/a.js', '/./a.js', '/a/./b.js', '/%2e/a.js', '/a/%2e%2e.js', '/....//a.js', '///a.js', '/C:/x.js', '/~/x.js', '/a%2f%2e%2e.js',
    ];
    for (const url of samples) {
      const result = resolveStaticAsset(root, url);
      if (result !== null) {
        expect(result === root || result.startsWith(root + path.sep), `${url} → ${result}`).toBe(true);
      }
    }
  });

  it('accepts a relative root and resolves it to an absolute path', () => {
    const result = resolveStaticAsset('renderer-build', '/a.js');
    expect(result).toBe(path.resolve('renderer-build', 'a.js'));
  });
});

describe('contentTypeFor', () => {
  it.each([
    ['index.html', 'text/html; charset=utf-8'],
    ['a.js', 'text/javascript; charset=utf-8'],
    ['A.JS', 'text/javascript; charset=utf-8'],
    ['s.css', 'text/css; charset=utf-8'],
    ['i.svg', 'image/svg+xml'],
    ['i.png', 'image/png'],
    ['f.ico', 'image/x-icon'],
    ['m.json', 'application/json'],
    ['f.woff2', 'font/woff2'],
    ['x.exe', 'application/octet-stream'],
    ['noext', 'application/octet-stream'],
  ])('%s → %s', (file, type) => {
    expect(contentTypeFor(path.join(root, file))).toBe(type);
  });
});

describe('APP_CSP', () => {
  const directives = new Map(
    APP_CSP.split(';').map((d) => {
      const [name = '', ...values] = d.trim().split(/\s+/);
      return [name, values] as const;
    }),
  );

  it('defaults to none and only allows same-origin scripts, with no inline script or eval', () => {
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(APP_CSP).not.toMatch(/unsafe-eval/);
    expect(directives.get('script-src')).not.toContain("'unsafe-inline'");
  });

  it('cannot be framed, cannot post forms, and only talks to its own origin', () => {
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('form-action')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
  });

  it('has no wildcard sources', () => {
    for (const [name, values] of directives) expect(values, name).not.toContain('*');
    expect(APP_CSP).not.toMatch(/https?:/);
  });
});
