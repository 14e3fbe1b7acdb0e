import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';

/**
 * Teams icon rules the JSON schema cannot express (Learn "Teams app icons"): `color` is a
 * 192×192 full-bleed PNG; `outline` is a 32×32 PNG, white on a transparent background.
 */
export interface IconFacts {
  width: number;
  height: number;
  transparentPixels: number;
  opaquePixels: number;
  /** Visible pixels (alpha > 0) whose colour is not white. */
  nonWhiteVisiblePixels: number;
}

/** Antialiased edges are white at partial alpha; a channel below this is a colour, not white. */
const WHITE_MIN = 250;

export function inspectPng(bytes: Buffer): IconFacts {
  const png = PNG.sync.read(bytes);
  let transparentPixels = 0;
  let opaquePixels = 0;
  let nonWhiteVisiblePixels = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const [r = 0, g = 0, b = 0, a = 0] = png.data.subarray(i, i + 4);
    if (a === 0) transparentPixels++;
    if (a === 255) opaquePixels++;
    if (a > 0 && (r < WHITE_MIN || g < WHITE_MIN || b < WHITE_MIN)) nonWhiteVisiblePixels++;
  }
  return { width: png.width, height: png.height, transparentPixels, opaquePixels, nonWhiteVisiblePixels };
}

/** Problems with the color icon, as sentences naming the file. */
export function checkColorIcon(name: string, bytes: Buffer): string[] {
  const facts = safeInspect(name, bytes);
  if (typeof facts === 'string') return [facts];
  const problems: string[] = [];
  if (facts.width !== 192 || facts.height !== 192) problems.push(`${name} is ${facts.width}×${facts.height}; the color icon must be 192×192`);
  const total = facts.width * facts.height;
  if (facts.opaquePixels !== total) {
    problems.push(`${name} has ${total - facts.opaquePixels} pixels that are not opaque; the color icon must be full bleed (no transparency, no rounded corners)`);
  }
  return problems;
}

/** Problems with the outline icon, as sentences naming the file. */
export function checkOutlineIcon(name: string, bytes: Buffer): string[] {
  const facts = safeInspect(name, bytes);
  if (typeof facts === 'string') return [facts];
  const problems: string[] = [];
  if (facts.width !== 32 || facts.height !== 32) problems.push(`${name} is ${facts.width}×${facts.height}; the outline icon must be 32×32`);
  const total = facts.width * facts.height;
  if (facts.transparentPixels < total / 2) {
    problems.push(`${name} has only ${facts.transparentPixels} of ${total} pixels transparent; the outline icon needs a transparent background`);
  }
  if (facts.nonWhiteVisiblePixels > 0) {
    problems.push(`${name} has ${facts.nonWhiteVisiblePixels} visible pixels that are not white; the outline icon must be white only`);
  }
  if (facts.transparentPixels === total) problems.push(`${name} is fully transparent`);
  return problems;
}

function safeInspect(name: string, bytes: Buffer): IconFacts | string {
  try {
    return inspectPng(bytes);
  } catch (err) {
    return `${name} is not a readable PNG (${(err as Error).message})`;
  }
}

export function readIcon(file: string): Buffer {
  return readFileSync(file);
}
