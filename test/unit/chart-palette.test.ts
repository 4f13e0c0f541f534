import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The design tokens of both themes (renderer/src/styles.css): text and chart colours must read at
// >= 4.5:1 (WCAG AA) on the surfaces they sit on, and the chart series must stay apart for people
// with protanopia, deuteranopia or tritanopia (Machado et al. 2009 simulation, severity 1, CIELAB ΔE).

const css = fs.readFileSync(path.resolve(import.meta.dirname, '../../renderer/src/styles.css'), 'utf8');

function tokens(selector: string): Map<string, string> {
  const start = css.indexOf(`${selector} {`);
  expect(start, selector).toBeGreaterThanOrEqual(0);
  const block = css.slice(start, css.indexOf('\n}', start));
  return new Map([...block.matchAll(/(--[a-z0-9-]+):\s*(#[0-9a-fA-F]{6})\b/g)].map((m) => [m[1]!, m[2]!]));
}

const THEMES = { light: tokens(':root'), dark: tokens(":root[data-theme='dark']") };

const channels = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
const linear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
const luminance = (rgb: number[]) => 0.2126 * rgb[0]! + 0.7152 * rgb[1]! + 0.0722 * rgb[2]!;
function contrast(a: string, b: string): number {
  const [la, lb] = [a, b].map((h) => luminance(channels(h).map(linear)));
  return (Math.max(la!, lb!) + 0.05) / (Math.min(la!, lb!) + 0.05);
}

const SIMULATIONS: Record<string, number[][] | null> = {
  normal: null,
  protanopia: [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
  deuteranopia: [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.01182, 0.04294, 0.968881]],
  tritanopia: [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.3039]],
};

function lab(hex: string, matrix: number[][] | null): [number, number, number] {
  const lin = channels(hex).map(linear);
  const [r, g, b] = matrix ? matrix.map((row) => Math.min(1, Math.max(0, row[0]! * lin[0]! + row[1]! * lin[1]! + row[2]! * lin[2]!))) : lin;
  const x = (0.4124 * r! + 0.3576 * g! + 0.1805 * b!) / 0.95047;
  const y = 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  const z = (0.0193 * r! + 0.1192 * g! + 0.9505 * b!) / 1.08883;
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

describe.each(Object.entries(THEMES))('%s theme tokens', (_name, theme) => {
  const get = (token: string) => {
    const value = theme.get(token);
    expect(value, token).toBeDefined();
    return value!;
  };
  const series = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => `--chart-${i}`).concat('--chart-other');

  it('text and muted text read at >= 4.5:1 on the page, the panel and table headers; sidebar labels on the sidebar', () => {
    for (const fg of ['--text', '--muted', '--danger', '--ok', '--accent']) {
      for (const bg of ['--bg', '--panel', '--table-head']) expect(contrast(get(fg), get(bg)), `${fg} on ${bg}`).toBeGreaterThanOrEqual(4.5);
    }
    for (const fg of ['--sidebar-text', '--sidebar-muted']) expect(contrast(get(fg), get('--sidebar-bg')), fg).toBeGreaterThanOrEqual(4.5);
    expect(contrast(get('--accent-text'), get('--accent'))).toBeGreaterThanOrEqual(4.5);
    expect(contrast(get('--on-danger'), get('--danger-solid'))).toBeGreaterThanOrEqual(4.5);
    expect(contrast(get('--warn-text'), get('--warn-bg'))).toBeGreaterThanOrEqual(4.5);
    expect(contrast(get('--badge-text'), get('--badge-bg'))).toBeGreaterThanOrEqual(4.5);
  });

  it('every chart series colour (legend text included) reads at >= 4.5:1 on the panel', () => {
    for (const token of series) expect(contrast(get(token), get('--panel')), token).toBeGreaterThanOrEqual(4.5);
  });

  it('the series stay apart (ΔE >= 15) with normal vision and under protan, deutan and tritan simulation', () => {
    const colours = series.map(get);
    for (const [vision, matrix] of Object.entries(SIMULATIONS)) {
      const points = colours.map((c) => lab(c, matrix));
      let closest = Infinity;
      for (let i = 0; i < points.length; i++) {
        for (let j = i + 1; j < points.length; j++) closest = Math.min(closest, Math.hypot(...points[i]!.map((v, k) => v - points[j]![k]!)));
      }
      expect(closest, vision).toBeGreaterThanOrEqual(15);
    }
  });
});

describe('the checks themselves', () => {
  it('contrast matches the WCAG reference values and the simulation tells red from green only with normal vision', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
    const distance = (a: string, b: string, m: number[][] | null) => Math.hypot(...lab(a, m).map((v, k) => v - lab(b, m)[k]!));
    expect(distance('#D55E00', '#009E73', null)).toBeGreaterThan(40);
    expect(distance('#CC3333', '#668800', SIMULATIONS.deuteranopia!)).toBeLessThan(15);
  });
});
