// express-pouchdb on LevelDB (pouchdb-node) in a temporary directory,
// mounted as CouchDB's root, in its minimum-for-PouchDB mode. Seeded
// before it listens: each case with the revision history of its saves.
import express from "express";
import expressPouchDB from "express-pouchdb";
import PouchDB from "pouchdb-node";
import { config, readLines, pouchDoc } from "./common.mjs";

const P = PouchDB.defaults({ prefix: `${config.dir}/` });
// express-pouchdb registers the databases it knows of through the
// constructor it is given: mount it before creating the seeded ones.
const app = express();
app.use("/", expressPouchDB(P, { mode: "minimumForPouchDB", inMemoryConfig: true, logPath: `${config.dir}/log.txt` }));
let seeded = 0;
for (const seed of config.seeds) {
  const db = new P(seed.db);
  const lines = await readLines(seed.file);
  for (let i = 0; i < lines.length; i += 500) {
    await db.bulkDocs(lines.slice(i, i + 500).map(pouchDoc), { new_edits: false });
  }
  seeded += lines.length;
}

app.listen(config.port, "127.0.0.1", () => console.log(`listening (${seeded} documents seeded)`));
