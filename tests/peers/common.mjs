// Shared by the peers' servers and clients: the command-line config, the
// workload files written by peer_bench, and the line protocol with it
// (`ready` / `go` / `done {json}` on stdout and stdin).
import fs from "node:fs";
import readline from "node:readline";
import crypto from "node:crypto";
import { parseAutomergeUrl, stringifyAutomergeUrl } from "@automerge/automerge-repo";

export const config = JSON.parse(process.argv[2]);

/** The JSON lines of a workload file. */
export async function readLines(file) {
  const out = [];
  const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  for await (const line of rl) if (line) out.push(JSON.parse(line));
  return out;
}

/** automerge-repo document id of a case: 16 bytes of its id's SHA-256, so
 * that the server's and the clients' copies of the workload agree. */
export function docIdOf(caseId) {
  const bytes = crypto.createHash("sha256").update(caseId).digest().subarray(0, 16);
  return parseAutomergeUrl(stringifyAutomergeUrl(new Uint8Array(bytes))).documentId;
}

/** PouchDB revision history of a case that went through `n` saves (one per
 * Automerge change): deterministic ids, newest first, as a replication
 * would carry them. */
export function revisionsOf(caseId, n) {
  const ids = [];
  for (let k = n; k >= 1; k--) ids.push(crypto.createHash("md5").update(`${caseId}:${k}`).digest("hex"));
  return { _rev: `${n}-${ids[0]}`, _revisions: { start: n, ids } };
}

/** The case's document as a PouchDB app stores it: its typed view. */
export function pouchDoc(line) {
  return { ...line.view, _id: line.id, ...revisionsOf(line.id, line.revs) };
}

const stdin = readline.createInterface({ input: process.stdin });
const waiting = [];
const early = [];
stdin.on("line", (line) => {
  const w = waiting.shift();
  if (w) w(line.trim());
  else early.push(line.trim());
});

/** Tells peer_bench the client is set up and waits for its `go`. */
export async function ready() {
  const go = early.length ? Promise.resolve(early.shift()) : new Promise((resolve) => waiting.push(resolve));
  console.log("ready");
  const line = await go;
  if (line !== "go") throw new Error(`expected go, got ${line}`);
}

export function done(result) {
  console.log(`done ${JSON.stringify(result)}`);
}

/** Bounds a measured sync: past the limit it reports and exits. Returns
 * the timer, to clear once the sync is done. */
export function bound(ms) {
  return setTimeout(() => {
    done({ error: `timeout after ${Math.round(ms / 1000)} s` });
    process.exit(3);
  }, ms).unref();
}

for (const event of ["uncaughtException", "unhandledRejection"]) {
  process.on(event, (e) => {
    done({ error: `${e?.name ?? "error"}: ${e?.message ?? e} ${e?.status ?? ""}`.trim() });
    process.exit(2);
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
