// automerge-repo sync server as the project's own sync-server example
// runs it: a Repo with the nodefs storage adapter and the websocket server
// adapter, sharing nothing unasked (`sharePolicy` false: a peer gets a
// document by asking for its id). Seeded with the workload's documents
// before it listens, by a separate repo on the same storage, so the server
// starts cold as after a restart.
import { WebSocketServer } from "ws";
import { Repo } from "@automerge/automerge-repo";
import { NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket";
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs";
import { config, readLines, docIdOf } from "./common.mjs";

let seeded = 0;
{
  const seeder = new Repo({ storage: new NodeFSStorageAdapter(config.dir), network: [] });
  for (const seed of config.seeds) {
    for (const line of await readLines(seed.file)) {
      seeder.import(new Uint8Array(Buffer.from(line.am, "hex")), { docId: docIdOf(line.id) });
      seeded++;
    }
  }
  await seeder.flush();
  await seeder.shutdown();
}

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
wss.on("listening", () => console.log(`listening (${seeded} documents seeded)`));
