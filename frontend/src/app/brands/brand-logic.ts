/** The brands page's pure logic: brand ids from names, the upload check's verdict in words,
 *  how seconds and shares read, and aliases. */
import type { BrandLogo, LogoCheck } from '../core/api.service';

/** A brand id (functions/api/schemas.py BRAND_ID: a-z, 0-9, '-', at most 40, starting with a
 *  letter or digit) from a display name: 'Coca-Cola Zéro' -> 'coca-cola-zero'. */
export function brandSlug(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
}

export type Tone = 'ok' | 'warn' | 'error';

/** What became of one logo (uploaded or added from the catalogue), for people. */
export interface Verdict {
  tone: Tone;
  /** Kept in the brand's library (only usable or unchecked logos are). */
  kept: boolean;
  title: string;
  detail: string;
}

/** The check's findings in one sentence: how often and from which size it was found. */
export function checkDetail(check: LogoCheck): string {
  const from = check.smallest_found_px ? `, from ${check.smallest_found_px} px wide` : '';
  const keypoints = check.keypoints ? ' Textured enough to be matched by its details too.' : '';
  return `Found in ${check.found} of ${check.trials} test scenes (60–400 px, rotated, tilted, printed)${from}.${keypoints}`;
}

const QUALITY: Record<LogoCheck['quality'], string> = {
  good: 'good',
  fair: 'fair: found in most scenes, may be missed when small',
  poor: 'poor: often missed; add a cleaner variant',
  unusable: 'unusable',
};

/** The verdict on a logo the API stored (201). */
export function storedVerdict(logo: BrandLogo): Verdict {
  const check = logo.check;
  if (!check) {
    return {
      tone: 'ok', kept: true, title: 'Stored (not checked)',
      detail: 'This server’s analyzer recognises logos itself (no reference matcher), so the file was stored without a check.',
    };
  }
  return {
    tone: check.quality === 'poor' ? 'warn' : 'ok',
    kept: true,
    title: `Usable — ${QUALITY[check.quality]}`,
    detail: `${checkDetail(check)} Looked for from the next segment analysed.`,
  };
}

/** 'the logo is blank.' -> 'The logo is blank. Not kept.' */
function notKept(text: string): string {
  return `${sentence(text).replace(/[.\s]+$/, '')}. Not kept.`;
}

function sentence(text: string): string {
  const trimmed = text.trim();
  return trimmed ? trimmed[0].toUpperCase() + trimmed.slice(1) : trimmed;
}

/** The verdict on a logo the API refused (or could not check): status and message of its
 *  error answer. Nothing refused is kept. */
export function refusedVerdict(status: number, message: string): Verdict {
  const refused = (title: string, detail: string): Verdict => ({ tone: 'error', kept: false, title, detail });
  switch (status) {
    case 422:
      return refused('Refused: the detector cannot use this logo', notKept(message.replace(/^this logo cannot be used:\s*/i, '')));
    case 400:
      return refused('Refused: not a usable image', notKept(message));
    case 413:
      return refused('Refused: file too large', notKept('the server accepts logo files up to 8 MB'));
    case 503:
      return { tone: 'warn', kept: false, title: 'Not checked: try again',
        detail: sentence(message || 'the model service that checks logos is not reachable') + ' Nothing was stored.' };
    case 401:
    case 403:
      return refused('Not allowed', 'Only admins can add logos.');
    case 404:
      return refused('Not found', notKept(message || 'the brand was deleted meanwhile; reload the page'));
    default:
      return refused('Upload failed', notKept(message || `HTTP ${status}`));
  }
}

const ACCEPTED = /\.(png|jpe?g|webp|svg)$/i;
const ACCEPTED_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/svg+xml'];
export const MAX_LOGO_BYTES = 8 * 1024 * 1024; // the API's max_body_bytes

/** A verdict before uploading, for files that cannot be a logo; null: send it. */
export function precheck(file: { name: string; type: string; size: number }): Verdict | null {
  if (!ACCEPTED.test(file.name) && !ACCEPTED_TYPES.includes(file.type)) {
    return { tone: 'error', kept: false, title: 'Refused: not a logo file', detail: 'Use a PNG, JPEG, WebP or SVG image. Not uploaded.' };
  }
  if (file.size > MAX_LOGO_BYTES) return refusedVerdict(413, '');
  if (file.size === 0) return refusedVerdict(400, 'the file is empty');
  return null;
}

/** Seconds as people read them: '0 s', '12.5 s', '4 min 05 s', '1 h 02 min'. */
export function duration(seconds: number | null | undefined): string {
  const s = Math.max(0, seconds ?? 0);
  if (s < 59.95) return `${Math.round(s * 10) / 10} s`;
  if (s < 3599.5) {
    const whole = Math.round(s);
    return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
  }
  const h = Math.floor(s / 3600);
  return `${h} h ${String(Math.floor((s - h * 3600) / 60)).padStart(2, '0')} min`;
}

/** A share (0–1) as a percentage: '34%', '2.5%', '<0.1%', '0%'. */
export function percent(share: number | null | undefined): string {
  const p = 100 * (share ?? 0);
  if (p === 0) return '0%';
  if (p < 0.1) return '<0.1%';
  return p < 10 ? `${p.toFixed(1)}%` : `${Math.round(p)}%`;
}

/** Longest alias the dashboard sends (a brand name's limit). */
export const ALIAS_MAX = 100;

/** The aliases with one more: trimmed, inner spaces collapsed; refused (with the reason)
 *  when empty, too long, or already the brand's name or one of its aliases (compared
 *  without case, spacing or punctuation, as OCR text and speech are matched). */
export function withAlias(aliases: readonly string[], raw: string, name: string): { aliases: string[]; error?: string } {
  const alias = raw.replace(/\s+/g, ' ').trim();
  const list = [...aliases];
  if (!alias) return { aliases: list };
  if (alias.length > ALIAS_MAX) return { aliases: list, error: `An alias is at most ${ALIAS_MAX} characters.` };
  const key = (s: string) => brandSlug(s).replace(/-/g, '');
  if (!key(alias)) return { aliases: list, error: `“${alias}” has no letter or digit to match.` };
  if (key(alias) === key(name)) return { aliases: list, error: `“${alias}” is the brand's name: it is matched already.` };
  if (list.some((a) => key(a) === key(alias))) return { aliases: list, error: `“${alias}” is already an alias.` };
  return { aliases: [...list, alias] };
}

/** Text as the brand filter compares it: no case, no accents, single spaces. */
function folded(text: string): string {
  return text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** The brands a "find a brand" query keeps: those whose name, id or one of whose aliases
 *  contains it, case and accents ignored (an empty query keeps all, in their order). */
export function matchingBrands<T extends { brand_id: string; name: string; aliases?: string[] }>(
  brands: readonly T[],
  query: string,
): T[] {
  const wanted = folded(query);
  if (!wanted) return [...brands];
  return brands.filter((b) => [b.name, b.brand_id, ...(b.aliases ?? [])].some((t) => folded(t).includes(wanted)));
}
