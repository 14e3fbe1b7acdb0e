import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';

/**
 * Renders manifest/icons/*.svg to the PNGs the app package carries, offline (resvg ships a
 * prebuilt binary in an npm package; the SVGs use paths only, so no font is needed).
 * Run with `npm run icons` after editing an SVG; a test checks the PNGs match their sources.
 */
export const ICONS = [
  { svg: 'manifest/icons/color.svg', png: 'manifest/color.png' },
  { svg: 'manifest/icons/outline.svg', png: 'manifest/outline.png' },
] as const;

export function renderSvg(svgText: string): Buffer {
  return new Resvg(svgText, { fitTo: { mode: 'original' }, font: { loadSystemFonts: false } }).render().asPng();
}

export function renderIcons(root: string): string[] {
  return ICONS.map(({ svg, png }) => {
    writeFileSync(path.join(root, png), renderSvg(readFileSync(path.join(root, svg), 'utf8')));
    return png;
  });
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..', '..');
  for (const written of renderIcons(root)) console.log(`wrote ${written}`);
}
