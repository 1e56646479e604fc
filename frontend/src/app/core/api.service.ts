import { Injectable, inject } from '@angular/core';
import { BackfillStatus } from './backfill-status';
import { RUNTIME_CONFIG } from './config';
import { FirebaseService } from './firebase.service';

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

  setMode(id: string, mode: 'realtime' | 'batch'): Promise<unknown> {
    return this.call('PATCH', `/v1/streams/${encodeURIComponent(id)}`, { mode });
  }

  /** Starts a backfill; its progress is then followed live (FirebaseService.watchBackfill). */
  backfill(id: string, start: number, end: number | null): Promise<BackfillStatus> {
    return this.call('POST', `/v1/streams/${encodeURIComponent(id)}/backfills`, { start, end });
  }
}
