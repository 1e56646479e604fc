import { Injectable, inject } from '@angular/core';
import { BackfillStatus } from './backfill-status';
import { RUNTIME_CONFIG } from './config';
import { FirebaseService } from './firebase.service';
import type { StreamSignals } from './models';
import type { Appearance } from './result-schema';

export interface CreatedStream {
  stream: { stream_id: string; name: string };
  rtmp_url: string;
  stream_key: string;
  obs: { service: string; server: string; stream_key: string; keyframe_interval_s: number };
}

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** The control API (functions/api): every call carries the user's credential. */
@Injectable({ providedIn: 'root' })
export class ApiService {
  private readonly config = inject(RUNTIME_CONFIG);
  private readonly firebase = inject(FirebaseService);

  /** The signed-in user's ID token; the embedded stack's development token only where
   *  nobody signs in with an account (else a viewer would act with full control). */
  async authorization(): Promise<string> {
    const accounts = this.config.signIn === 'email' || this.config.signIn === 'google';
    if (this.config.devToken && !accounts) return `Bearer ${this.config.devToken}`;
    const token = await this.firebase.idToken();
    return token ? `Bearer ${token}` : '';
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.config.apiBase}${path}`, {
      method,
      headers: {
        Authorization: await this.authorization(),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      const error = await response.json().catch(() => null);
      throw new ApiError(response.status, error?.error?.message ?? `HTTP ${response.status}`);
    }
    return response.status === 204 ? (undefined as T) : ((await response.json()) as T);
  }

  createStream(name: string): Promise<CreatedStream> {
    return this.call('POST', '/v1/streams', { name });
  }

  /** Deletes a stream; the API deletes its media in batches (202 until finished, then 204). */
  async deleteStream(id: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const progress = await this.call<{ finished: boolean } | undefined>('DELETE', `/v1/streams/${encodeURIComponent(id)}`);
      if (!progress || progress.finished) return;
    }
    throw new Error('the stream is still being deleted; try again');
  }

  rotateKey(id: string): Promise<CreatedStream> {
    return this.call('POST', `/v1/streams/${encodeURIComponent(id)}/rotate-key`);
  }

  /** The stream as the API shows it: its `signals` resolved with the deployment's defaults
   *  (the document holds only the switches someone set). */
  getStream(id: string): Promise<{ stream_id: string; signals?: StreamSignals }> {
    return this.call('GET', `/v1/streams/${encodeURIComponent(id)}`);
  }

  setMode(id: string, mode: 'realtime' | 'batch'): Promise<unknown> {
    return this.call('PATCH', `/v1/streams/${encodeURIComponent(id)}`, { mode });
  }

  /** Switches on-screen text (OCR) and/or speech (transcription) for a stream (admin);
   *  logos always run. The stream document's `signals` follows. */
  setSignals(id: string, signals: StreamSignals): Promise<{ stream_id: string; signals?: StreamSignals }> {
    return this.call('PATCH', `/v1/streams/${encodeURIComponent(id)}`, { signals });
  }

  /** Starts a backfill; its progress is then followed live (FirebaseService.watchBackfill). */
  backfill(id: string, start: number, end: number | null): Promise<BackfillStatus> {
    return this.call('POST', `/v1/streams/${encodeURIComponent(id)}/backfills`, { start, end });
  }
}

// --- brands page and history (brands-history helper): brands, logos, catalogue, summaries ---

/** The model service's verdict on a reference logo (mediacore/schema.py LogoCheck). */
export interface LogoCheck {
  usable: boolean;
  quality: 'good' | 'fair' | 'poor' | 'unusable';
  reason?: string | null;
  found: number;
  trials: number;
  smallest_found_px?: number | null;
  keypoints?: boolean;
}

export interface BrandLogo {
  logo_id: string;
  brand_id: string;
  object: string;
  size: number;
  content_type?: string | null;
  /** null where the analyzer backend has no logo matcher of ours (nothing was checked). */
  check?: LogoCheck | null;
}

export interface BrandStreamTotals {
  stream_id: string;
  name: string;
  status?: string | null;
  seconds: number;
  appearances: number;
  first_seen?: number | null;
  last_seen?: number | null;
  live_since?: string | null;
  ended_at?: string | null;
}

export interface BrandWithTotals {
  brand_id: string;
  name: string;
  /** other names it is written or said by (e.g. "Coke"), matched in OCR text and speech */
  aliases?: string[];
  logos: number;
  seconds: number;
  appearances: number;
  share_of_voice: number;
  /** times said aloud across streams (an API that counts them) */
  mentions?: number;
  streams: BrandStreamTotals[];
}

export interface BrandTotalsList {
  brands: BrandWithTotals[];
  streams_read: number;
  streams_truncated: boolean;
}

export interface CatalogueIcon {
  slug: string;
  title: string;
  hex: string;
  license: string;
  svg_url: string;
}

export interface CatalogueStatus {
  available: boolean;
  icons: number;
  version?: string | null;
  reason?: string | null;
}

export interface ExposureRow {
  brand: string;
  seconds: number;
  share_of_voice: number;
  screen_share?: number | null;
  logo_seconds?: number;
  text_seconds?: number;
  mentions?: number;
  first_seen?: number | null;
  last_seen?: number | null;
}

export interface SummaryAppearance {
  brand: string;
  /** logo | text (on screen) | speech (said aloud: no screen time); absent: logo */
  source?: 'logo' | 'text' | 'speech';
  start: number;
  end: number;
  seconds: number;
  best_score?: number | null;
}

/** GET /v1/streams/{id}/summary (functions/api/schemas.py Summary). */
export interface StreamSummary {
  stream_id: string;
  status: string;
  analysed_seconds: number;
  brands: ExposureRow[];
  appearances: SummaryAppearance[];
}

/** The brands page's and history's calls, on the same credential as the rest. */
@Injectable({ providedIn: 'root' })
export class BrandsApi {
  private readonly config = inject(RUNTIME_CONFIG);
  private readonly api = inject(ApiService);

  private url(path: string): string {
    return `${this.config.apiBase}${path}`;
  }

  private async send<T>(method: string, path: string, body?: unknown): Promise<T> {
    const json = body !== undefined && !(body instanceof FormData);
    const response = await fetch(this.url(path), {
      method,
      headers: { Authorization: await this.api.authorization(), ...(json ? { 'Content-Type': 'application/json' } : {}) },
      body: body === undefined ? undefined : json ? JSON.stringify(body) : (body as FormData),
    });
    if (!response.ok) {
      const error = await response.json().catch(() => null);
      throw new ApiError(response.status, error?.error?.message ?? `HTTP ${response.status}`);
    }
    return response.status === 204 ? (undefined as T) : ((await response.json()) as T);
  }

  brands(): Promise<BrandTotalsList> {
    return this.send('GET', '/v1/brands');
  }

  /** PUT creates (201) or renames an existing id: callers check the id is new first. */
  addBrand(id: string, name: string): Promise<{ brand_id: string; name: string; logos: number }> {
    return this.send('PUT', `/v1/brands/${encodeURIComponent(id)}`, { name });
  }

  renameBrand(id: string, name: string): Promise<{ brand_id: string; name: string; logos: number }> {
    return this.send('PATCH', `/v1/brands/${encodeURIComponent(id)}`, { name });
  }

  /** Replaces the brand's aliases (admin): the names OCR text and speech are matched by,
   *  besides its name. */
  setAliases(id: string, aliases: readonly string[]): Promise<{ brand_id: string; name: string; aliases?: string[] }> {
    return this.send('PATCH', `/v1/brands/${encodeURIComponent(id)}`, { aliases });
  }

  deleteBrand(id: string): Promise<void> {
    return this.send('DELETE', `/v1/brands/${encodeURIComponent(id)}`);
  }

  logos(id: string): Promise<{ logos: BrandLogo[] }> {
    return this.send('GET', `/v1/brands/${encodeURIComponent(id)}/logos`);
  }

  /** Multipart upload (field `file`); 201 with the check's verdict, or an ApiError whose
   *  status and message say why the logo was refused (400, 413, 422, 503). */
  uploadLogo(id: string, file: Blob, filename: string): Promise<BrandLogo> {
    const form = new FormData();
    form.append('file', file, filename);
    return this.send('POST', `/v1/brands/${encodeURIComponent(id)}/logos`, form);
  }

  deleteLogo(id: string, logoId: string): Promise<void> {
    return this.send('DELETE', `/v1/brands/${encodeURIComponent(id)}/logos/${encodeURIComponent(logoId)}`);
  }

  /** The stored reference image, as a blob for an <img> (the route needs a credential). */
  async logoImage(id: string, logoId: string): Promise<Blob> {
    const response = await fetch(this.url(`/v1/brands/${encodeURIComponent(id)}/logos/${encodeURIComponent(logoId)}`), {
      headers: { Authorization: await this.api.authorization() },
    });
    if (!response.ok) throw new ApiError(response.status, `HTTP ${response.status}`);
    return response.blob();
  }

  catalogueStatus(): Promise<CatalogueStatus> {
    return this.send('GET', '/v1/catalogue/status');
  }

  searchCatalogue(q: string, limit = 24): Promise<{ query: string; icons: CatalogueIcon[] }> {
    return this.send('GET', `/v1/catalogue?q=${encodeURIComponent(q)}&limit=${limit}`);
  }

  /** A catalogue preview's absolute URL (public: an <img src> needs no credential). */
  catalogueSvg(icon: CatalogueIcon): string {
    return this.url(icon.svg_url);
  }

  addFromCatalogue(id: string, slug: string): Promise<BrandLogo> {
    return this.send('POST', `/v1/brands/${encodeURIComponent(id)}/logos/catalogue/${encodeURIComponent(slug)}`);
  }

  streamSummary(streamId: string): Promise<StreamSummary> {
    return this.send('GET', `/v1/streams/${encodeURIComponent(streamId)}/summary`);
  }
}

// --- analyst view (frontend/src/app/analyst, report/) ------------------------------------------

/** GET /v1/streams/{id}/summary with the full appearances (mediacore/schema.py Appearance:
 *  peak box, best score, evidence path). */
export interface AnalystSummary {
  stream_id: string;
  status: string;
  analysed_seconds: number;
  brands: ExposureRow[];
  /** by start; the API lists at most 1000 */
  appearances: Appearance[];
}

/** GET /v1/streams/{id}/timeline: seconds on screen per brand per bucket of media time. */
export interface StreamTimeline {
  stream_id: string;
  start: number;
  end: number;
  bucket_s: number;
  buckets: number[];
  series: { brand: string; seconds: number[]; total: number }[];
}

/** The analyst view's and report's reads; paths with filters come from analyst/exposure.ts. */
@Injectable({ providedIn: 'root' })
export class AnalystApi {
  private readonly config = inject(RUNTIME_CONFIG);
  private readonly api = inject(ApiService);

  private async get(path: string): Promise<Response> {
    const response = await fetch(`${this.config.apiBase}${path}`, {
      headers: { Authorization: await this.api.authorization() },
    });
    if (!response.ok) {
      const error = await response.json().catch(() => null);
      throw new ApiError(response.status, error?.error?.message ?? `HTTP ${response.status}`);
    }
    return response;
  }

  async summary(streamId: string): Promise<AnalystSummary> {
    return (await this.get(`/v1/streams/${encodeURIComponent(streamId)}/summary`)).json();
  }

  /** `path`: exportPath(id, 'timeline', filters, { bucket_s }). */
  async timeline(path: string): Promise<StreamTimeline> {
    return (await this.get(path)).json();
  }

  /** A resource behind the user's credential (an evidence JPEG, a CSV file, the HTML report)
   *  as a Blob for an object URL: an <img> or a link cannot send the header. */
  async blob(path: string): Promise<Blob> {
    return (await this.get(path)).blob();
  }
}
