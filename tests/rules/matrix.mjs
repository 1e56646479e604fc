// Try every read and write a browser could attempt, as one kind of user (the Firebase
// web SDK against the Firestore emulator), and print what the rules allowed:
// {"results": {"operation": "allowed" | "denied" | "error: ..."}, "stream": {...} | null}
// ("stream" is the stream document as this user reads it, when the rules let them).
//
//   node matrix.mjs <host:port> <project> <streamId> <role>
//   role: none | anonymous | signed-in | viewer | admin | account
// "account" signs in for real, as the dashboard does: email and password on the Auth
// emulator at MA_RULES_AUTH (host:port), from MA_RULES_EMAIL / MA_RULES_PASSWORD.
import { initializeApp } from "firebase/app";
import { connectAuthEmulator, getAuth, signInWithEmailAndPassword } from "firebase/auth";
import {
  connectFirestoreEmulator, getFirestore, doc, getDoc, getDocs, collection,
  setDoc, updateDoc, deleteDoc, terminate,
} from "firebase/firestore";

const [hostPort, project, streamId, role] = process.argv.slice(2);
const [host, port] = hostPort.split(":");
// What an ID token of each kind carries: any Google account is "signed-in"; the
// viewer and admin claims are custom claims an operator grants.
const signedIn = (claims) => ({
  sub: `${role}-1`,
  email: `${role}@example.com`,
  firebase: { sign_in_provider: "google.com", identities: {} },
  ...claims,
});
const tokens = {
  none: null,
  anonymous: { sub: "anon-1", firebase: { sign_in_provider: "anonymous", identities: {} } },
  "signed-in": signedIn({}),
  viewer: signedIn({ viewer: true }),
  admin: signedIn({ admin: true }),
};
if (!(role in tokens) && role !== "account") throw new Error(`unknown role ${role}`);
const app = initializeApp({ projectId: project, apiKey: "fake-api-key" });
const db = getFirestore(app);
if (role === "account") {
  const auth = getAuth(app);
  connectAuthEmulator(auth, `http://${process.env.MA_RULES_AUTH}`, { disableWarnings: true });
  await signInWithEmailAndPassword(auth, process.env.MA_RULES_EMAIL, process.env.MA_RULES_PASSWORD);
  connectFirestoreEmulator(db, host, Number(port));
} else {
  connectFirestoreEmulator(db, host, Number(port), tokens[role] ? { mockUserToken: tokens[role] } : {});
}

const stream = doc(db, "streams", streamId);
let streamData = null;
const operations = {
  "read stream": async () => { streamData = (await getDoc(stream)).data() ?? null; },
  "list streams": () => getDocs(collection(db, "streams")),
  "read segment": () => getDoc(doc(db, "streams", streamId, "segments", "00000000")),
  "list segments": () => getDocs(collection(db, "streams", streamId, "segments")),
  "read backfill": () => getDoc(doc(db, "streams", streamId, "backfills", "1")),
  "read brand": () => getDoc(doc(db, "brands", "acme")),
  "read private": () => getDocs(collection(db, "streams", streamId, "private")),
  "read config": () => getDoc(doc(db, "config", "access")),
  "update stream mode": () => updateDoc(stream, { mode: "batch" }),
  "create stream": () => setDoc(doc(db, "streams", streamId + "-new"), { name: "x" }),
  "delete stream": () => deleteDoc(stream),
  "write segment": () => setDoc(doc(db, "streams", streamId, "segments", "00000009"), { seq: 9 }),
  "write private": () => setDoc(doc(db, "streams", streamId, "private", "publish"), { key_hash: "x" }),
  "write brand": () => setDoc(doc(db, "brands", "evil"), { name: "evil" }),
  "write config": () => setDoc(doc(db, "config", "access"), { public_read: true }),
  "write elsewhere": () => setDoc(doc(db, "anything", "x"), { a: 1 }),
};

const results = {};
for (const [name, run] of Object.entries(operations)) {
  try {
    await run();
    results[name] = "allowed";
  } catch (error) {
    results[name] = error.code === "permission-denied" ? "denied" : `error: ${error.code} ${error.message}`;
  }
}
await terminate(db);
console.log(JSON.stringify({ results, stream: streamData }));
process.exit(0); // a signed-in Auth instance keeps a token-refresh timer alive
