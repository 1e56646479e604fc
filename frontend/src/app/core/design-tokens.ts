/** The brand palette of src/styles/_tokens.scss (--ma-brand-1 … --ma-brand-10), for code that
 *  needs the colour itself (charts draw on a canvas, where CSS variables do not apply). No
 *  grey: grey is the colour of "other brands". Brands get their slots in brand-names.ts. */
export const BRAND_PALETTE = [
  '#56b4e9', '#e69f00', '#009e73', '#f0e442', '#cc79a7',
  '#0072b2', '#d55e00', '#e6194b', '#8fd175', '#c9a0ff',
] as const;
