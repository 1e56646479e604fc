import { Injectable, inject } from '@angular/core';
import type { FirebaseApp } from 'firebase/app';
import type { Auth } from 'firebase/auth';
import type { DocumentData, Firestore } from 'firebase/firestore';
import { BackfillRecord, BackfillStatus, backfillStatus } from './backfill-status';
import { RUNTIME_CONFIG, signInMethod } from './config';
import { Segment, StreamDoc } from './models';

type Unsubscribe = () => void;

/** Where one stream's live documents go (the results store, in the app). */
export interface StreamSink {
  setStream(stream: StreamDoc | null): void;
  /** One listener batch: added/modified segments, and the seqs of removed ones. */
  applySegments(changed: readonly Segment[], removed: readonly number[]): void;
}

/** Firestore Timestamps -> Dates, recursively (timings, created_at, ...). */
function plain(value: unknown): unknown {
  if (value && typeof value === 'object') {
    const maybe = value as { toDate?: () => Date };
    if (typeof maybe.toDate === 'function') return maybe.toDate();
    if (Array.isArray(value)) return value.map(plain);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/**
 * Firebase, loaded lazily (none of it is in the initial bundle): sign-in (anonymous
 * against the embedded stack's Auth emulator only, Google in a real project) and live
 * Firestore listeners. Reading needs the viewer claim outside the embedded stack.
 */
@Injectable({ providedIn: 'root' })
export class FirebaseService {
  private readonly config = inject(RUNTIME_CONFIG);
  private app?: Promise<FirebaseApp>;
  private auth?: Promise<Auth>;
  private db?: Promise<Firestore>;

  private firebaseApp(): Promise<FirebaseApp> {
    this.app ??= import('firebase/app').then(({ initializeApp }) => initializeApp(this.config.firebase));
    return this.app;
  }

  signedIn(): Promise<Auth> {
    this.auth ??= (async () => {
      const mod = await import('firebase/auth');
      const auth = mod.getAuth(await this.firebaseApp());
      const emulator = this.config.emulators?.auth;
      if (emulator) mod.connectAuthEmulator(auth, `http://${emulator}`, { disableWarnings: true });
      await auth.authStateReady();
      const method = signInMethod(this.config);
      if (!auth.currentUser && method !== 'none') {
        if (method === 'google') await mod.signInWithPopup(auth, new mod.GoogleAuthProvider());
        else await mod.signInAnonymously(auth);
      }
      return auth;
    })();
    return this.auth;
  }

  async idToken(): Promise<string | null> {
    const auth = await this.signedIn();
    return auth.currentUser ? auth.currentUser.getIdToken() : null;
  }

  private firestore(): Promise<Firestore> {
    this.db ??= (async () => {
      await this.signedIn(); // the rules let signed-in users read
      const mod = await import('firebase/firestore');
      const db = mod.getFirestore(await this.firebaseApp());
      const emulator = this.config.emulators?.firestore;
      if (emulator) {
        const [host, port] = emulator.split(':');
        mod.connectFirestoreEmulator(db, host, Number(port));
      }
      return db;
    })();
    return this.db;
  }

  /** Every stream, live. */
  async watchStreams(onStreams: (streams: StreamDoc[]) => void, onError: (e: Error) => void): Promise<Unsubscribe> {
    const mod = await import('firebase/firestore');
    const db = await this.firestore();
    return mod.onSnapshot(
      mod.collection(db, 'streams'),
      (snapshot) => onStreams(snapshot.docs.map((d) => ({ id: d.id, ...(plain(d.data()) as DocumentData) }) as StreamDoc)),
      onError,
    );
  }

  /** One stream's document and its newest segments, live, into `store`. */
  async watchStream(streamId: string, store: StreamSink, window = 120): Promise<Unsubscribe> {
    const mod = await import('firebase/firestore');
    const db = await this.firestore();
    const streamRef = mod.doc(db, 'streams', streamId);
    const stopStream = mod.onSnapshot(streamRef, (snapshot) =>
      store.setStream(snapshot.exists() ? ({ id: snapshot.id, ...(plain(snapshot.data()) as DocumentData) } as StreamDoc) : null),
    );
    const segments = mod.query(mod.collection(streamRef, 'segments'), mod.orderBy('seq'), mod.limitToLast(window));
    const stopSegments = mod.onSnapshot(segments, (snapshot) => {
      const changed: Segment[] = [];
      const removed: number[] = [];
      for (const change of snapshot.docChanges()) {
        const segment = plain(change.doc.data()) as Segment;
        if (change.type === 'removed') removed.push(segment.seq);
        else changed.push(segment);
      }
      store.applySegments(changed, removed);
    });
    return () => {
      stopStream();
      stopSegments();
    };
  }

  /** One backfill's progress, live (`streams/{id}/backfills/{backfill_id}`, readable when
   *  signed in); `null` when that record does not exist. */
  async watchBackfill(
    streamId: string,
    backfillId: string,
    onStatus: (status: BackfillStatus | null) => void,
    onError: (e: Error) => void,
  ): Promise<Unsubscribe> {
    const mod = await import('firebase/firestore');
    const db = await this.firestore();
    return mod.onSnapshot(
      mod.doc(db, 'streams', streamId, 'backfills', backfillId),
      (snapshot) => onStatus(snapshot.exists() ? backfillStatus(backfillId, snapshot.data() as BackfillRecord) : null),
      onError,
    );
  }
}
