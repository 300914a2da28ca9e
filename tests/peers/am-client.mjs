// automerge-repo client peers. Modes:
//   first    a new device asks the server for every document of the caseload
//   big      a device holding the caseload connects; nothing changed (first
//            phase); it disconnects, makes the week's edits offline, and
//            connects again (second phase)
//   fleet    many devices (one Repo and one websocket each), each holding
//            its cases and one offline edit, connect at once
// A device keeps its documents in memory (loaded before `go`, not
// measured; one process for both phases of `big`, so that its 10,000
// documents are loaded once). Sync is done when every document asked for
// has arrived and no message has come from the server for QUIET_MS; the
// wall time runs from connecting to the last message received.
//
// A new device asks for its documents FIND_CONCURRENCY at a time (a handle
// that waits longer than automerge-repo's 60 s request timeout turns
// unavailable, and 2,000 requests at once made hundreds of them do so on a
// busy machine). After the sync (outside the wall time) the client checks
// that it worked: in `first`, every document arrived with the heads of the
// workload's document; otherwise the server's heads, as the sync protocol
// reported them to each handle, equal the device's heads for every
// document. Any document missing or different makes the run fail: it is
// then reported as failed, never as a number.
import * as A from "@automerge/automerge";
import { Repo, stringifyAutomergeUrl } from "@automerge/automerge-repo";
import { BrowserWebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import { config, readLines, docIdOf, ready, done, bound, sleep } from "./common.mjs";

const QUIET_MS = 3000;
const FIND_CONCURRENCY = 64;
const EMPTY = A.save(A.init());

const docs = await readLines(config.docs);
const edits = config.edits && config.mode !== "first" ? await readLines(config.edits) : [];

// One device per entry: its documents and its edits.
const devices = new Map();
const deviceOf = (line) => (config.mode === "fleet" ? line.device : 0);
if (config.mode !== "first") {
  for (const line of docs) {
    const d = devices.get(deviceOf(line)) ?? { docs: [], edits: [] };
    d.docs.push(line);
    devices.set(deviceOf(line), d);
  }
  for (const line of edits) devices.get(deviceOf(line))?.edits.push(line);
} else {
  devices.set(0, { docs: [], edits: [] });
}

let lastMessage = 0;
let received = 0;
let sent = 0;
let disconnects = 0;
const repos = [];
const allHandles = [];
const applyEdits = (handles, edits) => {
  for (const edit of edits) {
    const bytes = new Uint8Array(Buffer.from(edit.changes, "hex"));
    handles.get(edit.id).update((doc) => A.loadIncremental(doc, bytes));
  }
};
for (const device of devices.values()) {
  const repo = new Repo({ network: [] });
  const handles = new Map();
  for (const line of device.docs) {
    // `repo.import(bytes, { docId })` loads the bytes incrementally into an
    // empty document, which slows down as documents accumulate (2,000 took
    // 156 s here); the handle is given the same document from `A.load`,
    // three times faster. Either way it is set-up, not measured.
    const handle = repo.import(EMPTY, { docId: docIdOf(line.id) });
    const doc = A.load(new Uint8Array(Buffer.from(line.am, "hex")));
    handle.update(() => doc);
    handles.set(line.id, handle);
  }
  // `big` makes its edits offline between its two phases.
  if (config.mode !== "big") applyEdits(handles, device.edits);
  repos.push({ repo, handles, edits: device.edits });
  for (const handle of handles.values()) allHandles.push({ repo, handle });
}
// The heads each document must have on arrival (`first`), computed before
// the clock starts.
const sortedHeads = (heads) => [...heads].sort().join(",");
const expectedHeads =
  config.mode === "first"
    ? docs.map((line) => sortedHeads(A.getHeads(A.load(new Uint8Array(Buffer.from(line.am, "hex"))))))
    : [];
// Per repo: its network adapter and the server's storage id (to read the
// server's heads per handle).
const adapters = new Map();
const serverStorage = new Map();

/** Connects every repo and syncs until quiet; the wall time and a note,
 * or an error when a document did not sync. */
async function session() {
  received = 0;
  sent = 0;
  disconnects = 0;
  // Let imports and edits settle before the clock starts.
  await sleep(500);
  await ready();
  // The limit bounds the measured sync; setting up is bounded by peer_bench.
  const timer = bound(config.timeoutMs);
  const start = performance.now();
  const connected = [];
  for (const { repo } of repos) {
    const adapter = new BrowserWebSocketClientAdapter(config.url);
    adapter.on("message", () => {
      lastMessage = performance.now();
      received++;
    });
    const send = adapter.send.bind(adapter);
    adapter.send = (message) => {
      sent++;
      return send(message);
    };
    connected.push(
      new Promise((resolve) =>
        repo.networkSubsystem.once("peer", (p) => {
          serverStorage.set(repo, p.peerMetadata?.storageId);
          resolve();
        }),
      ),
    );
    adapters.set(repo, adapter);
    repo.networkSubsystem.addNetworkAdapter(adapter);
  }
  let found = start;
  let missing = 0;
  let wrong = 0;
  if (config.mode === "first") {
    await Promise.all(connected);
    const { repo } = repos[0];
    let next = 0;
    const worker = async () => {
      while (next < docs.length) {
        const i = next++;
        try {
          const handle = await repo.find(stringifyAutomergeUrl(docIdOf(docs[i].id)));
          if (sortedHeads(A.getHeads(handle.doc())) !== expectedHeads[i]) wrong++;
        } catch {
          missing++;
        }
      }
    };
    await Promise.all(Array.from({ length: FIND_CONCURRENCY }, worker));
    found = performance.now();
  }
  // Quiet: no message from the server for QUIET_MS.
  for (;;) {
    await sleep(250);
    const now = performance.now();
    if (received > 0 && now - lastMessage >= QUIET_MS) break;
  }
  const end = Math.max(lastMessage, found);
  clearTimeout(timer);
  // Outside the wall time: did every document sync?
  if (config.mode !== "first") {
    for (const { repo, handle } of allHandles) {
      const storageId = serverStorage.get(repo);
      const theirs = storageId && handle.getSyncInfo(storageId)?.lastHeads;
      if (!theirs) missing++;
      else if (sortedHeads(theirs) !== sortedHeads(handle.heads())) wrong++;
    }
  }
  const checked = config.mode === "first" ? docs.length : allHandles.length;
  const note = `${repos.length} repos, ${sent} messages sent, ${received} received, ${checked - missing - wrong} of ${checked} documents verified${disconnects ? `, ${disconnects} disconnections` : ""}`;
  if (missing || wrong) {
    done({ error: `${note}; ${missing} documents not synced, ${wrong} with other heads` });
    process.exit(4);
  }
  done({ wallMs: end - start, note });
}

for (const { repo } of repos) repo.networkSubsystem.on("peer-disconnected", () => disconnects++);
await session();
if (config.mode === "big") {
  // Offline: the connection goes, the week's edits are made, then the
  // device connects again.
  for (const { repo, handles, edits } of repos) {
    repo.networkSubsystem.removeNetworkAdapter(adapters.get(repo));
    applyEdits(handles, edits);
  }
  await session();
}
process.exit(0);
