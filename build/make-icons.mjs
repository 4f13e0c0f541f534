// Draws the Gatehouse icon (a gatehouse: crenellated wall with an arched gate, on a rounded square)
// and writes every format electron-builder takes as is, so packaging never needs its icon toolset
// (a download): build/icons/NxN.png (Linux: AppImage, deb), build/icon.icns (macOS: dmg),
// build/icon.ico (Windows: nsis), build/icon.png (1024, the source for anything else).
// Deterministic: `node build/make-icons.mjs` rewrites the same bytes.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const here = path.dirname(new URL(import.meta.url).pathname);
const SAMPLES = 4; // 4×4 samples per pixel for anti-aliased edges

/** Coverage of the foreground and background at a point of the 1024 design grid. */
function roundedRect(x, y, [x0, y0, x1, y1], r) {
  const dx = Math.max(x0 + r - x, 0, x - (x1 - r));
  const dy = Math.max(y0 + r - y, 0, y - (y1 - r));
  return x >= x0 && x <= x1 && y >= y0 && y <= y1 && dx * dx + dy * dy <= r * r;
}
const inRect = (x, y, [x0, y0, x1, y1]) => x >= x0 && x < x1 && y >= y0 && y < y1;

const TILE = [72, 72, 952, 952];
const WALL = [272, 392, 752, 816];
const MERLONS = [0, 1, 2, 3].map((i) => [272 + i * 136, 300, 344 + i * 136, 400]);
const GATE = { x0: 424, x1: 600, top: 560, bottom: 816 };

function paint(x, y) {
  if (!roundedRect(x, y, TILE, 200)) return null;
  const gateRadius = (GATE.x1 - GATE.x0) / 2;
  const gateCx = GATE.x0 + gateRadius;
  const inGate =
    (x >= GATE.x0 && x < GATE.x1 && y >= GATE.top && y < GATE.bottom) || ((x - gateCx) ** 2 + (y - GATE.top) ** 2 <= gateRadius ** 2 && y < GATE.top);
  const inBuilding = (inRect(x, y, WALL) || MERLONS.some((m) => inRect(x, y, m))) && !inGate;
  if (inBuilding) return [255, 255, 255];
  // A vertical gradient: #2f5bd3 at the top to #1d3a8f at the bottom.
  const t = (y - TILE[1]) / (TILE[3] - TILE[1]);
  return [Math.round(47 + (29 - 47) * t), Math.round(91 + (58 - 91) * t), Math.round(211 + (143 - 211) * t)];
}

function render(size) {
  const pixels = Buffer.alloc(size * size * 4);
  const scale = 1024 / size;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const colour = paint((px + (sx + 0.5) / SAMPLES) * scale, (py + (sy + 0.5) / SAMPLES) * scale);
          if (!colour) continue;
          r += colour[0];
          g += colour[1];
          b += colour[2];
          a += 1;
        }
      }
      const i = (py * size + px) * 4;
      if (a > 0) {
        pixels[i] = Math.round(r / a);
        pixels[i + 1] = Math.round(g / a);
        pixels[i + 2] = Math.round(b / a);
        pixels[i + 3] = Math.round((255 * a) / (SAMPLES * SAMPLES));
      }
    }
  }
  return encodePng(size, pixels);
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([length, body, crc]);
}

function encodePng(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bits per channel
  header[9] = 6; // RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4); // filter 0 per row
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** ICO with PNG entries (Windows Vista and later read them; 256 is written as 0). */
function encodeIco(images) {
  const header = Buffer.alloc(6 + images.length * 16);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  images.forEach(({ size, png }, i) => {
    const e = 6 + i * 16;
    header[e] = size >= 256 ? 0 : size;
    header[e + 1] = size >= 256 ? 0 : size;
    header.writeUInt16LE(1, e + 4); // colour planes
    header.writeUInt16LE(32, e + 6); // bits per pixel
    header.writeUInt32LE(png.length, e + 8);
    header.writeUInt32LE(offset, e + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...images.map((image) => image.png)]);
}

/** ICNS with PNG entries: OSType + big-endian length (including the 8-byte entry header). */
function encodeIcns(entries) {
  const parts = entries.map(([type, png]) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'ascii');
    head.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([head, png]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(8 + parts.reduce((n, p) => n + p.length, 0), 4);
  return Buffer.concat([head, ...parts]);
}

const sizes = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
const png = Object.fromEntries(sizes.map((size) => [size, render(size)]));

fs.mkdirSync(path.join(here, 'icons'), { recursive: true });
for (const size of [16, 24, 32, 48, 64, 128, 256, 512]) fs.writeFileSync(path.join(here, 'icons', `${size}x${size}.png`), png[size]);
fs.writeFileSync(path.join(here, 'icon.png'), png[1024]);
fs.writeFileSync(path.join(here, 'icon.ico'), encodeIco([16, 24, 32, 48, 64, 128, 256].map((size) => ({ size, png: png[size] }))));
fs.writeFileSync(
  path.join(here, 'icon.icns'),
  encodeIcns([
    ['icp4', png[16]],
    ['icp5', png[32]],
    ['icp6', png[64]],
    ['ic07', png[128]],
    ['ic08', png[256]],
    ['ic09', png[512]],
    ['ic10', png[1024]], // 512@2x
    ['ic11', png[32]], // 16@2x
    ['ic12', png[64]], // 32@2x
    ['ic13', png[256]], // 128@2x
    ['ic14', png[512]], // 256@2x
  ]),
);
console.log(`Wrote build/icon.png, build/icon.icns, build/icon.ico and build/icons/ (${Object.keys(png).length} sizes)`);
