//! Every protocol message decoded from arbitrary bytes: decoding either
//! fails with a `WireError` or yields a message that encodes and decodes
//! back to itself.
//!
//! Input: first byte's low bit 0 = the rest is the wire form as received
//! (deflate, then postcard); 1 = the rest is the postcard layer, deflated
//! here, so mutations reach the message fields without breaking deflate.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ocrotire_core::sync::protocol::{
    self, Enroll, Enrolled, Revoked, SyncRequest, SyncResponse, WireError,
};
use serde::{de::DeserializeOwned, Serialize};

trait Message: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug {}
impl<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug> Message for T {}

fn round_trip<T: Message>(wire: &[u8]) {
    match protocol::decode::<T>(wire) {
        Ok(message) => {
            let again = protocol::encode(&message).expect("a decoded message encodes");
            let back: T = protocol::decode(&again).expect("an encoded message decodes");
            assert_eq!(back, message, "round trip changed the message");
        }
        Err(WireError::Undecodable | WireError::TooLarge { .. }) => {}
        Err(WireError::Version { found, supported }) => {
            assert_ne!(found, supported);
        }
    }
}

fn all(wire: &[u8]) {
    round_trip::<Enroll>(wire);
    round_trip::<Enrolled>(wire);
    round_trip::<SyncRequest>(wire);
    round_trip::<SyncResponse>(wire);
    round_trip::<Revoked>(wire);
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        all(data);
        return;
    };
    if mode & 1 == 0 {
        all(rest);
    } else {
        all(&ocrotire_fuzz::deflate(rest));
    }
});
