import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { checkColorIcon, checkOutlineIcon, inspectPng } from '../../../tools/app-package/icons';
import { ICONS, renderSvg } from '../../../tools/render-icons';
import { ROOT } from './fixtures';

const read = (rel: string): Buffer => readFileSync(path.join(ROOT, rel));
const svg = (rel: string): string => read(rel).toString('utf8');

describe('app icons', () => {
  it.each(ICONS.map((i) => [i.png, i.svg]))('%s is the rendering of %s (run `npm run icons` after editing the SVG)', (png, source) => {
    const committed = PNG.sync.read(read(png));
    const rendered = PNG.sync.read(renderSvg(svg(source)));
    expect([rendered.width, rendered.height]).toEqual([committed.width, committed.height]);
    expect(rendered.data.equals(committed.data)).toBe(true);
  });

  it('the SVG sources draw with paths only, so rendering needs no font', () => {
    for (const { svg: source } of ICONS) expect(svg(source)).not.toMatch(/<text|<image|href=/);
  });

  it('color.png is 192×192 and full bleed; outline.png is 32×32, white on transparent', () => {
    const color = inspectPng(read('manifest/color.png'));
    expect(color).toMatchObject({ width: 192, height: 192, opaquePixels: 192 * 192 });
    const outline = inspectPng(read('manifest/outline.png'));
    expect(outline).toMatchObject({ width: 32, height: 32, nonWhiteVisiblePixels: 0 });
    expect(outline.transparentPixels).toBeGreaterThan(32 * 32 * 0.6);
    expect(outline.transparentPixels).toBeLessThan(32 * 32);
    expect(checkColorIcon('color.png', read('manifest/color.png'))).toEqual([]);
    expect(checkOutlineIcon('outline.png', read('manifest/outline.png'))).toEqual([]);
  });

  it('the checks catch rounded corners, a coloured outline and an outline with a background', () => {
    const rounded = renderSvg(svg('manifest/icons/color.svg').replace('<rect width="192" height="192"', '<rect width="192" height="192" rx="24"'));
    expect(checkColorIcon('color.png', rounded)).toEqual([
      expect.stringMatching(/^color\.png has \d+ pixels that are not opaque; the color icon must be full bleed/),
    ]);
    const blue = renderSvg(svg('manifest/icons/outline.svg').replace(/#FFFFFF/g, '#2564CF'));
    expect(checkOutlineIcon('outline.png', blue)).toEqual([expect.stringMatching(/^outline\.png has \d+ visible pixels that are not white/)]);
    const filled = renderSvg(svg('manifest/icons/outline.svg').replace('<path', '<rect width="32" height="32" fill="#FFFFFF"/><path'));
    expect(checkOutlineIcon('outline.png', filled)).toEqual(['outline.png has only 0 of 1024 pixels transparent; the outline icon needs a transparent background']);
    expect(checkColorIcon('color.png', Buffer.from('not a png'))).toEqual([expect.stringMatching(/^color\.png is not a readable PNG/)]);
  });
});
