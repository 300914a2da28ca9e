// PouchDB client devices, each a PouchDB (on LevelDB in a temporary
// directory, like Ocrotire's devices on disk; in memory for the fleet, like
// Ocrotire's lightweight devices there) replicating with the
// server through `db.sync(remote)` (one-shot, both ways), as an offline-first
// PouchDB app does. Modes:
//   first  a new device's first sync
//   big    a device holding the caseload, in sync (a first sync before
//          `go`, not measured, leaves the checkpoints): (1) sync with
//          nothing new; (2) the week's edits, each a `put` of the case's new
//          view, then sync
//   fleet  many devices sharing one server database, each replicating its
//          own cases (`doc_ids`), in sync, one offline edit each, syncing
//          at once
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import PouchDB from "pouchdb-node";
import memory from "pouchdb-adapter-memory";
import { config, readLines, pouchDoc, ready, done, bound } from "./common.mjs";

PouchDB.plugin(memory);
bound(config.timeoutMs);
const remoteUrl = `${config.url}/${config.db}`;
const remote = () => new PouchDB(remoteUrl, { skip_setup: true });

async function seed(db, lines) {
  for (let i = 0; i < lines.length; i += 500) {
    await db.bulkDocs(lines.slice(i, i + 500).map(pouchDoc), { new_edits: false });
  }
}

async function applyEdits(db, edits) {
  let n = 0;
  for (const edit of edits) {
    let { _rev } = await db.get(edit.id);
    for (const view of edit.views) {
      _rev = (await db.put({ ...view, _id: edit.id, _rev })).rev;
      n++;
    }
  }
  return n;
}

async function measured(sync) {
  await ready();
  const start = performance.now();
  const result = await sync();
  done({ wallMs: performance.now() - start, note: result });
}

const summary = (r) => `pushed ${r.push?.docs_written ?? 0}, pulled ${r.pull?.docs_written ?? 0}`;
let n = 0;
const name = () => `device-${process.pid}-${n++}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pouch-client-"));
process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
const onDisk = () => new PouchDB(path.join(dir, name()));

if (config.mode === "first") {
  const local = onDisk();
  await measured(async () => summary(await local.sync(remote())));
} else if (config.mode === "big") {
  const local = onDisk();
  await seed(local, await readLines(config.docs));
  await local.sync(remote());
  await measured(async () => summary(await local.sync(remote())));
  const edits = await applyEdits(local, await readLines(config.edits));
  await measured(async () => `${edits} edits; ${summary(await local.sync(remote()))}`);
} else if (config.mode === "fleet") {
  const byDevice = new Map();
  for (const line of await readLines(config.docs)) {
    const d = byDevice.get(line.device) ?? { docs: [], edits: [] };
    d.docs.push(line);
    byDevice.set(line.device, d);
  }
  for (const edit of await readLines(config.edits)) byDevice.get(edit.device).edits.push(edit);
  const devices = [];
  for (const d of byDevice.values()) {
    const local = new PouchDB(name(), { adapter: "memory" });
    await seed(local, d.docs);
    const doc_ids = d.docs.map((l) => l.id);
    await local.sync(remote(), { doc_ids });
    await applyEdits(local, d.edits);
    devices.push({ local, doc_ids });
  }
  await measured(async () => {
    const results = await Promise.all(devices.map(({ local, doc_ids }) => local.sync(remote(), { doc_ids })));
    const pushed = results.reduce((s, r) => s + (r.push?.docs_written ?? 0), 0);
    return `${devices.length} devices, pushed ${pushed}`;
  });
}
process.exit(0);
