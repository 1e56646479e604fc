import { Injectable, computed, inject, signal } from '@angular/core';
import type { CreatedStream } from './api.service';
import { FirebaseService } from './firebase.service';
import { StreamDoc } from './models';

/** connecting: no answer yet; connected: the Firestore listener is live; offline: cut
 *  off (showing cached data, if any) or refused. */
export type ListenerState = 'connecting' | 'connected' | 'offline';

function time(value: Date | undefined | null): number {
  return value instanceof Date ? value.getTime() : 0;
}

/** When a stream last started something: created, went live, or ended. */
export function recency(stream: StreamDoc): number {
  return Math.max(time(stream.created_at), time(stream.live_since), time(stream.ended_at));
}

/** Newest first (a stream going live comes to the top); then by name. */
export function sortByRecency(streams: readonly StreamDoc[]): StreamDoc[] {
  return [...streams].sort(
    (a, b) => recency(b) - recency(a) || (a.name || a.id).localeCompare(b.name || b.id),
  );
}

/** Every stream, live, for the whole app (header state, overview, stream pages); the
 *  selected stream is the one the current route shows. */
@Injectable({ providedIn: 'root' })
export class StreamsService {
  private readonly firebase = inject(FirebaseService);
  readonly streams = signal<StreamDoc[]>([]);
  /** The first answer arrived (an empty list then means there are no streams). */
  readonly loaded = signal(false);
  readonly listener = signal<ListenerState>('connecting');
  readonly error = signal('');
  readonly selectedId = signal<string | null>(null);
  readonly selected = computed(() => this.streams().find((s) => s.id === this.selectedId()) ?? null);
  /** Brands in the library (null: not known), for "nothing to look for" states. */
  readonly librarySize = signal<number | null>(null);
  /** The OBS settings of a stream just created or re-keyed: its key is shown only now. */
  readonly issued = signal<CreatedStream | null>(null);
  private stopListening?: () => void;
  private starting?: Promise<void>;

  start(): Promise<void> {
    this.starting ??= this.firebase
      .watchStreams(
        (streams, fromCache) => {
          this.streams.set(sortByRecency(streams));
          this.listener.set(fromCache ? 'offline' : 'connected');
          if (!fromCache) this.loaded.set(true);
          this.error.set('');
        },
        (error) => {
          this.listener.set('offline');
          this.error.set(error.message);
        },
      )
      .then(async (stop) => {
        const stopBrands = await this.firebase
          .watchBrandCount((n) => this.librarySize.set(n), () => this.librarySize.set(null))
          .catch(() => () => undefined);
        this.stopListening = () => {
          stop();
          stopBrands();
        };
      })
      .catch((e) => {
        this.starting = undefined;
        this.listener.set('offline');
        this.error.set(e instanceof Error ? e.message : String(e));
      });
    return this.starting;
  }

  /** On sign-out: the next user starts again. */
  stop(): void {
    this.stopListening?.();
    this.stopListening = undefined;
    this.starting = undefined;
    this.streams.set([]);
    this.loaded.set(false);
    this.listener.set('connecting');
    this.issued.set(null);
    this.librarySize.set(null);
  }
}
