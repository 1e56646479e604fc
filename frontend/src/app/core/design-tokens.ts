/** The brand palette of src/styles/_tokens.scss (--ma-brand-1 … --ma-brand-10), for code that
 *  needs the colour itself (charts draw on a canvas, where CSS variables do not apply). */
export const BRAND_PALETTE = [
  '#56b4e9', '#e69f00', '#009e73', '#f0e442', '#cc79a7',
  '#0072b2', '#d55e00', '#e6194b', '#8fd175', '#c9a0ff',
] as const;

/** The palette slot of a brand id the library does not hold (see libraryColours): FNV-1a (32 bit) of its UTF-16 code units, modulo the
 *  palette's length. A function of the id alone: the same brand has the same colour on
 *  every page, whatever else is loaded. */
export function brandSlot(brand: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < brand.length; i++) {
    hash ^= brand.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % BRAND_PALETTE.length;
}

/** A brand's colour: the palette colour its id hashes to (same id, same colour, on every
 *  page and in every chart; two brands may share one, told apart by their names). */
export function brandColor(brand: string): string {
  return BRAND_PALETTE[brandSlot(brand)];
}
