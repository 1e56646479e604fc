// Try every read and write the dashboard could attempt, as a browser user would
// (the Firebase web SDK against the Firestore emulator), and print what the
// rules allowed: {"operation": "allowed" | "denied" | "error: ..."}.
//
//   node matrix.mjs <host:port> <project> <streamId> <anonymous|signed-in>
import { initializeApp } from "firebase/app";
import {
  connectFirestoreEmulator, getFirestore, doc, getDoc, getDocs, collection,
  setDoc, updateDoc, deleteDoc, terminate,
} from "firebase/firestore";

const [hostPort, project, streamId, who] = process.argv.slice(2);
const [host, port] = hostPort.split(":");
const app = initializeApp({ projectId: project, apiKey: "fake-api-key" });
const db = getFirestore(app);
const options = who === "signed-in"
  ? { mockUserToken: { sub: "viewer-1", email: "viewer@example.com" } }
  : {};
connectFirestoreEmulator(db, host, Number(port), options);

const stream = doc(db, "streams", streamId);
const operations = {
  "read stream": () => getDoc(stream),
  "list streams": () => getDocs(collection(db, "streams")),
  "read segment": () => getDoc(doc(db, "streams", streamId, "segments", "00000000")),
  "list segments": () => getDocs(collection(db, "streams", streamId, "segments")),
  "read backfill": () => getDoc(doc(db, "streams", streamId, "backfills", "1")),
  "read brand": () => getDoc(doc(db, "brands", "acme")),
  "read config": () => getDoc(doc(db, "config", "access")),
  "update stream mode": () => updateDoc(stream, { mode: "batch" }),
  "create stream": () => setDoc(doc(db, "streams", streamId + "-new"), { name: "x" }),
  "delete stream": () => deleteDoc(stream),
  "write segment": () => setDoc(doc(db, "streams", streamId, "segments", "00000009"), { seq: 9 }),
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
console.log(JSON.stringify(results));
