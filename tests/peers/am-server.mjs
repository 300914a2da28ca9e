// automerge-repo sync server as the project's own sync-server example
// runs it: a Repo with the nodefs storage adapter and the websocket server
// adapter, sharing nothing unasked (`sharePolicy` false: a peer gets a
// document by asking for its id). Seeded with the workload's documents
// before it listens, so the server starts cold as after a restart.
//
// Seeding writes the storage files directly, in the layout the Repo itself
// writes on its first save of an imported document (StorageSubsystem's
// `#saveTotal` through NodeFSStorageAdapter): key
// [documentId, "snapshot", headsHash(heads)] at
// <dir>/<id[0..2]>/<id[2..]>/snapshot/<sha256 of the concatenated hex
// heads>, content `A.save(A.load(bytes))`, the same document. (Importing
// 10,000 documents into one Repo and flushing it did not finish in 13
// minutes; writing the files takes seconds.)
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import * as A from "@automerge/automerge";
import { WebSocketServer } from "ws";
import { Repo } from "@automerge/automerge-repo";
import { NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket";
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs";
import { config, readLines, docIdOf } from "./common.mjs";

/** automerge-repo's `headsHash` (storage/keyHash.js): SHA-256 of the
 * heads' hex strings, concatenated in `getHeads` order, as hex. */
const headsHash = (heads) => crypto.createHash("sha256").update(heads.join("")).digest("hex");

let seeded = 0;
const seedStart = performance.now();
for (const seed of config.seeds) {
  for (const line of await readLines(seed.file)) {
    const docId = docIdOf(line.id);
    const doc = A.load(new Uint8Array(Buffer.from(line.am, "hex")));
    const dir = path.join(config.dir, docId.slice(0, 2), docId.slice(2), "snapshot");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, headsHash(A.getHeads(doc))), A.save(doc));
    seeded++;
  }
}
const seedSeconds = ((performance.now() - seedStart) / 1e3).toFixed(1);

const wss = new WebSocketServer({ host: "127.0.0.1", port: config.port });
// The adapter's default heartbeat (ping every 5 s, drop a peer that has not
// answered the previous one) drops clients whose event loop is busy syncing
// thousands of documents on a loaded machine, and every pending document
// then turns unavailable; a minute keeps the measurement about sync.
const KEEP_ALIVE_MS = 60_000;
new Repo({
  network: [new NodeWSServerAdapter(wss, KEEP_ALIVE_MS)],
  storage: new NodeFSStorageAdapter(config.dir),
  peerId: `sync-server-${process.pid}`,
  sharePolicy: async () => false,
});
wss.on("listening", () => console.log(`listening (${seeded} documents seeded in ${seedSeconds} s)`));
