// automerge-repo client peers. Modes:
//   first    a new device asks the server for every document of the caseload
//   nothing  a device holding the caseload reconnects; nothing changed
//   week     the same, having made the week's edits offline
//   fleet    many devices (one Repo and one websocket each), each holding
//            its cases and one offline edit, connect at once
// A device keeps its documents in memory (imported before `go`, not
// measured). Sync is done when every document asked for has arrived and no
// message has come from the server for QUIET_MS; the wall time runs from
// connecting to the last message received.
import * as A from "@automerge/automerge";
import { Repo, stringifyAutomergeUrl } from "@automerge/automerge-repo";
import { BrowserWebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import { config, readLines, docIdOf, ready, done, bound, sleep } from "./common.mjs";

const QUIET_MS = 3000;
bound(config.timeoutMs);

const docs = await readLines(config.docs);
const edits = config.edits && (config.mode === "week" || config.mode === "fleet") ? await readLines(config.edits) : [];

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
for (const device of devices.values()) {
  const repo = new Repo({ network: [] });
  const handles = new Map();
  for (const line of device.docs) {
    const docId = docIdOf(line.id);
    handles.set(line.id, repo.import(new Uint8Array(Buffer.from(line.am, "hex")), { docId }));
  }
  for (const edit of device.edits) {
    const bytes = new Uint8Array(Buffer.from(edit.changes, "hex"));
    handles.get(edit.id).update((doc) => A.loadIncremental(doc, bytes));
  }
  repos.push(repo);
}
// Let imports and edits settle before the clock starts.
await sleep(500);

await ready();
const start = performance.now();
const connected = [];
for (const repo of repos) {
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
  connected.push(new Promise((resolve) => repo.networkSubsystem.once("peer", resolve)));
  repo.networkSubsystem.on("peer-disconnected", () => disconnects++);
  repo.networkSubsystem.addNetworkAdapter(adapter);
}
let found = start;
let missing = 0;
if (config.mode === "first") {
  await Promise.all(connected);
  const repo = repos[0];
  const results = await Promise.allSettled(
    docs.map((line) => repo.find(stringifyAutomergeUrl(docIdOf(line.id)))),
  );
  missing = results.filter((r) => r.status !== "fulfilled").length;
  found = performance.now();
}
// Quiet: no message from the server for QUIET_MS.
for (;;) {
  await sleep(250);
  const now = performance.now();
  if (received > 0 && now - lastMessage >= QUIET_MS) break;
}
const end = Math.max(lastMessage, found);
done({
  wallMs: end - start,
  note: `${repos.length} repos, ${sent} messages sent, ${received} received${missing ? `, ${missing} documents unavailable` : ""}${disconnects ? `, ${disconnects} disconnections` : ""}`,
});
process.exit(0);
