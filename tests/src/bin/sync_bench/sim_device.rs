//! Scenario 4 needs a thousand devices, far more than encrypted stores on
//! one disk allow: these keep only what the protocol needs (a key, an
//! actor, documents in memory), yet enrol for real and sign every request,
//! so the server does all the work a real session costs it.

use std::time::Duration;

use automerge::ActorId;
use chrono::Utc;
use ocrotire_core::document::{CaseDoc, CaseOp, Heads, OpContext};
use ocrotire_core::ids::{hex, random_id};
use ocrotire_core::model::*;
use ocrotire_core::reference::Template;
use ocrotire_core::sync::protocol::{
    self, headers, signing_input, Enroll, Enrolled, Push, SyncRequest, SyncResponse, CONTENT_TYPE,
    PROTOCOL_VERSION,
};
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};

use crate::cases::{build_case, Words, DISTRICT};
use crate::server::BenchServer;
use crate::Res;

/// A device without a store: a key, an actor and its cases in memory.
pub struct SimDevice {
    device_id: String,
    key: Ed25519KeyPair,
    pub actor: ActorId,
    pub author: Author,
    pub cases: Vec<SimCase>,
    cursor: u64,
    edits: usize,
    /// The case whose changes the next session pushes.
    pending: Option<usize>,
}

pub struct SimCase {
    pub id: String,
    pub doc: CaseDoc,
    /// Heads the server acknowledged (empty: not pushed yet).
    acked: Heads,
}

/// What one session did.
pub struct Rounds {
    pub refused: usize,
}

impl SimDevice {
    /// Creates `user` with `role` in the district and enrols a device.
    pub fn enroll_as(
        server: &BenchServer,
        client: &reqwest::blocking::Client,
        user: &str,
        role: Role,
    ) -> Res<SimDevice> {
        server.create_user(user, role.key(), DISTRICT)?;
        let code = server.enroll_code(user)?;
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .map_err(|_| "cannot generate a key")?;
        let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(|_| "bad key")?;
        let actor = ActorId::random();
        let request = Enroll {
            version: PROTOCOL_VERSION,
            code,
            public_key: key.public_key().as_ref().to_vec(),
            actor: actor.to_bytes().to_vec(),
        };
        let answer = client
            .post(format!("{}/v1/enroll", server.url))
            .header(reqwest::header::CONTENT_TYPE, CONTENT_TYPE)
            .body(protocol::encode(&request)?)
            .send()?;
        let status = answer.status().as_u16();
        let body = answer.bytes()?;
        if status != 200 {
            return Err(format!("enrolment of {user}: status {status}").into());
        }
        let enrolled: Enrolled = protocol::decode(&body)?;
        Ok(SimDevice {
            device_id: enrolled.device_id,
            key,
            actor,
            author: Author {
                user_id: user.into(),
                role,
            },
            cases: Vec::new(),
            cursor: 0,
            edits: 0,
            pending: None,
        })
    }

    /// Opens `count` realistic cases, to push with the next session.
    pub fn open_cases(&mut self, count: usize, seed: usize, template: &Template) -> Res<()> {
        for k in 0..count {
            let built = build_case(seed * 31 + k, &self.author, &self.actor, template)?;
            self.cases.push(SimCase {
                id: built.id,
                doc: built.doc,
                acked: Heads::default(),
            });
        }
        Ok(())
    }

    /// One note on the next case in turn.
    pub fn edit(&mut self, template: &Template) -> Res<()> {
        if self.cases.is_empty() {
            return Ok(());
        }
        self.edits += 1;
        let at = self.edits % self.cases.len();
        let id = random_id();
        let text = Words::seeded(&id).sentence(10, 25);
        let op = CaseOp::AddNote { id, text };
        let ctx = OpContext {
            actor: &self.actor,
            author: &self.author,
            now: Utc::now(),
            templates: std::slice::from_ref(template),
        };
        self.cases[at].doc.apply(&op, &ctx)?;
        self.pending = Some(at);
        Ok(())
    }

    /// A whole session: push what changed, pull, page until done.
    pub fn session(
        &mut self,
        server: &BenchServer,
        client: &reqwest::blocking::Client,
    ) -> Res<Rounds> {
        let mut push = Vec::new();
        for case in &self.cases {
            let heads = case.doc.heads();
            if heads != case.acked {
                push.push(Push {
                    case_id: case.id.clone(),
                    heads: heads.to_bytes(),
                    changes: case.doc.changes_since(&case.acked),
                });
            }
        }
        let mut refused = 0;
        for _ in 0..1000 {
            let pushed: Vec<(String, Heads)> = push
                .iter()
                .map(|p| (p.case_id.clone(), Heads::from_bytes(&p.heads)))
                .collect();
            let request = SyncRequest {
                version: PROTOCOL_VERSION,
                cursor: self.cursor,
                push: std::mem::take(&mut push),
            };
            let body = protocol::encode(&request)?;
            let answer = self.signed_post(server, client, body)?;
            let response: SyncResponse = protocol::decode(&answer)?;
            for (case_id, heads) in pushed {
                if response.accepted.contains(&case_id) {
                    if let Some(case) = self.cases.iter_mut().find(|c| c.id == case_id) {
                        case.acked = heads;
                    }
                }
            }
            refused += response.refused.len();
            self.cursor = response.cursor;
            if !response.more {
                self.pending = None;
                return Ok(Rounds { refused });
            }
        }
        Err("the server kept paging".into())
    }

    fn signed_post(
        &self,
        server: &BenchServer,
        client: &reqwest::blocking::Client,
        body: Vec<u8>,
    ) -> Res<Vec<u8>> {
        let path = "/v1/sync";
        let time = Utc::now().timestamp_millis();
        let nonce = random_id();
        let signature = self
            .key
            .sign(&signing_input("POST", path, &body, time, &nonce));
        let answer = client
            .post(format!("{}{path}", server.url))
            .header(reqwest::header::CONTENT_TYPE, CONTENT_TYPE)
            .header(headers::DEVICE, &self.device_id)
            .header(headers::TIME, time.to_string())
            .header(headers::NONCE, nonce)
            .header(headers::SIGNATURE, hex(signature.as_ref()))
            .body(body)
            .send()?;
        let status = answer.status().as_u16();
        let body = answer.bytes()?;
        if status != 200 {
            return Err(format!("sync: status {status}").into());
        }
        Ok(body.to_vec())
    }
}

pub fn http_client() -> Res<reqwest::blocking::Client> {
    Ok(reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()?)
}
