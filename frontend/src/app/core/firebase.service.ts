import { Injectable, inject } from '@angular/core';
import type { FirebaseApp } from 'firebase/app';
import type { Auth } from 'firebase/auth';
import type { DocumentData, Firestore } from 'firebase/firestore';
import { BackfillRecord, BackfillStatus, backfillStatus } from './backfill-status';
import { RUNTIME_CONFIG, signInMethod } from './config';
import { Segment, StreamDoc } from './models';

type Unsubscribe = () => void;

export interface SignedInUser {
  uid: string;
  email: string | null;
  displayName: string | null;
  anonymous: boolean;
  claims: Record<string, unknown>;
}

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
 * Firebase, loaded lazily (none of it is in the initial bundle): sign-in (email and
 * password, Google popup, or anonymous against the embedded stack's Auth emulator only)
 * and live Firestore listeners. Reading needs the viewer or admin claim outside the
 * embedded stack's anonymous mode.
 */
@Injectable({ providedIn: 'root' })
export class FirebaseService {
  private readonly config = inject(RUNTIME_CONFIG);
  private app?: Promise<FirebaseApp>;
  private auth$?: Promise<Auth>;
  private db?: Promise<Firestore>;

  private firebaseApp(): Promise<FirebaseApp> {
    this.app ??= import('firebase/app').then(({ initializeApp }) => initializeApp(this.config.firebase));
    return this.app;
  }

  /** Firebase Auth once it knows who is signed in. Only the embedded stack's anonymous
   *  mode signs in by itself; email and Google sign-ins come from the sign-in screen. */
  auth(): Promise<Auth> {
    this.auth$ ??= (async () => {
      const mod = await import('firebase/auth');
      const auth = mod.getAuth(await this.firebaseApp());
      const emulator = this.config.emulators?.auth;
      if (emulator) mod.connectAuthEmulator(auth, `http://${emulator}`, { disableWarnings: true });
      await auth.authStateReady();
      if (!auth.currentUser && signInMethod(this.config) === 'anonymous') await mod.signInAnonymously(auth);
      return auth;
    })();
    return this.auth$;
  }

  /** Who is signed in, with the custom claims of a fresh ID token (roles change when an
   *  admin grants them; `refresh` fetches a new token to see that). */
  async currentUser(refresh = false): Promise<SignedInUser | null> {
    const user = (await this.auth()).currentUser;
    if (!user) return null;
    const token = await user.getIdTokenResult(refresh);
    return {
      uid: user.uid,
      email: user.email,
      displayName: user.displayName,
      anonymous: user.isAnonymous,
      claims: token.claims as Record<string, unknown>,
    };
  }

  async signInWithEmail(email: string, password: string): Promise<void> {
    const mod = await import('firebase/auth');
    await mod.signInWithEmailAndPassword(await this.auth(), email, password);
  }

  async signInWithGoogle(): Promise<void> {
    const mod = await import('firebase/auth');
    await mod.signInWithPopup(await this.auth(), new mod.GoogleAuthProvider());
  }

  async signOut(): Promise<void> {
    await (await this.auth()).signOut();
  }

  async idToken(): Promise<string | null> {
    const auth = await this.auth();
    return auth.currentUser ? auth.currentUser.getIdToken() : null;
  }

  private firestore(): Promise<Firestore> {
    this.db ??= (async () => {
      await this.auth(); // the rules let users with a role read
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

  /** Every stream, live. `fromCache` is true while the listener is cut off from the
   *  backend (what the header calls "Offline"). */
  async watchStreams(
    onStreams: (streams: StreamDoc[], fromCache: boolean) => void,
    onError: (e: Error) => void,
  ): Promise<Unsubscribe> {
    const mod = await import('firebase/firestore');
    const db = await this.firestore();
    return mod.onSnapshot(
      mod.collection(db, 'streams'),
      { includeMetadataChanges: true },
      (snapshot) =>
        onStreams(
          snapshot.docs.map((d) => ({ id: d.id, ...(plain(d.data()) as DocumentData) }) as StreamDoc),
          snapshot.metadata.fromCache,
        ),
      onError,
    );
  }

  /** How many brands the library monitors (`brands/*`), live. */
  async watchBrandCount(onCount: (count: number) => void, onError: (e: Error) => void): Promise<Unsubscribe> {
    const mod = await import('firebase/firestore');
    const db = await this.firestore();
    return mod.onSnapshot(mod.collection(db, 'brands'), (snapshot) => onCount(snapshot.size), onError);
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
