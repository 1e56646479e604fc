/** The brand palette of src/styles/_tokens.scss (--ma-brand-1 … --ma-brand-10), for code that
 *  needs the colour itself (charts draw on a canvas, where CSS variables do not apply). */
export const BRAND_PALETTE = [
  '#56b4e9', '#e69f00', '#009e73', '#f0e442', '#cc79a7',
  '#0072b2', '#d55e00', '#b4b4b4', '#8fd175', '#c9a0ff',
] as const;

/** A brand's colour: stable for a brand within one list (its index in the sorted brand
 *  ids), so the same brand keeps its colour across the charts and lists of a page. */
export function brandColor(brand: string, brands: readonly string[]): string {
  const sorted = [...new Set(brands)].sort();
  const index = Math.max(0, sorted.indexOf(brand));
  return BRAND_PALETTE[index % BRAND_PALETTE.length];
}
