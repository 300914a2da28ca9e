//! Failed-unlock counting, exponential waits and wipe-on-limit, on a real
//! store. Each wrong PIN costs a full key derivation, so the policies here
//! are small.

mod store_support;

use std::time::{Duration, Instant};

use ocrotire_core::store::{LockoutPolicy, Store, StoreError};
use store_support::*;

fn store_with(dir: &std::path::Path, policy: LockoutPolicy) -> Store {
    drop(Store::create(dir, PIN, None, config(policy)).unwrap());
    Store::open(dir).unwrap()
}

#[test]
fn waits_start_after_the_free_attempts_and_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let policy = LockoutPolicy {
        free_attempts: 2,
        base_delay: Duration::from_secs(60),
        max_delay: Duration::from_secs(600),
        wipe_after: None,
    };
    let mut store = store_with(dir.path(), policy);
    for _ in 0..2 {
        assert!(matches!(
            store.unlock("111111", None),
            Err(StoreError::WrongPin { .. })
        ));
    }
    // Even the right PIN is not tried during the wait, and is not counted.
    match store.unlock(PIN, None) {
        Err(StoreError::Throttled { retry_after_secs }) => {
            assert!((1..=60).contains(&retry_after_secs), "{retry_after_secs}")
        }
        other => panic!("expected Throttled, got {other:?}"),
    }
    assert_eq!(store.failed_attempts().unwrap(), 2);
    assert!(!store.is_unlocked());

    // Restarting the app does not reset the wait.
    drop(store);
    let mut store = Store::open(dir.path()).unwrap();
    assert!(matches!(
        store.unlock(PIN, None),
        Err(StoreError::Throttled { .. })
    ));
    assert_eq!(store.failed_attempts().unwrap(), 2);
    assert_eq!(
        store.lockout_policy().unwrap(),
        policy,
        "policy is kept in the store"
    );
}

#[test]
fn short_waits_expire_grow_and_reset_on_success() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut store = Store::create(dir.path(), PIN, None, config(relaxed_policy())).unwrap();
    // Waits are measured from when an attempt is counted, before its key
    // derivation; scale them to this machine's derivation time so the
    // "still waiting" checks below cannot be outrun by a slow derivation.
    let base = (started.elapsed() * 3).max(Duration::from_millis(500));
    store
        .set_lockout_policy(LockoutPolicy {
            free_attempts: 1,
            base_delay: base,
            max_delay: base * 8,
            wipe_after: None,
        })
        .unwrap();
    store.lock();

    assert!(matches!(
        store.unlock("111111", None),
        Err(StoreError::WrongPin { .. })
    ));
    // 1 failure, 1 free: wait `base` before the next attempt.
    assert!(matches!(
        store.unlock(PIN, None),
        Err(StoreError::Throttled { .. })
    ));
    std::thread::sleep(base);
    assert!(matches!(
        store.unlock("222222", None),
        Err(StoreError::WrongPin { .. })
    ));
    // 2 failures: the wait doubles; half of it is certainly not over yet.
    std::thread::sleep(base / 2);
    assert!(matches!(
        store.unlock(PIN, None),
        Err(StoreError::Throttled { .. })
    ));
    std::thread::sleep(base * 3 / 2);
    store.unlock(PIN, None).unwrap();
    assert_eq!(store.failed_attempts().unwrap(), 0);

    // After success the next failure is free again.
    store.lock();
    assert!(matches!(
        store.unlock("333333", None),
        Err(StoreError::WrongPin { .. })
    ));
    assert_eq!(store.failed_attempts().unwrap(), 1);
}

#[test]
fn reaching_the_limit_wipes_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let policy = LockoutPolicy {
        free_attempts: 10,
        base_delay: Duration::ZERO,
        max_delay: Duration::ZERO,
        wipe_after: Some(3),
    };
    let mut store = Store::create(dir.path(), PIN, None, config(policy)).unwrap();
    store.put_case(&case_id(1), b"doc", b"summary").unwrap();
    drop(store);

    let mut store = Store::open(dir.path()).unwrap();
    assert!(matches!(
        store.unlock("111111", None),
        Err(StoreError::WrongPin {
            attempts_left: Some(2)
        })
    ));
    // The count is persisted: a restart does not give the attempts back.
    drop(store);
    let mut store = Store::open(dir.path()).unwrap();
    assert!(matches!(
        store.unlock("222222", None),
        Err(StoreError::WrongPin {
            attempts_left: Some(1)
        })
    ));
    assert!(matches!(
        store.unlock("333333", None),
        Err(StoreError::Wiped)
    ));

    assert!(
        store_files(dir.path()).is_empty(),
        "left: {:?}",
        store_files(dir.path())
    );
    assert!(matches!(store.unlock(PIN, None), Err(StoreError::Wiped)));
    assert!(matches!(store.get_doc(&case_id(1)), Err(StoreError::Wiped)));
    assert!(matches!(Store::open(dir.path()), Err(StoreError::NoStore)));
}

#[test]
fn policy_can_be_changed_only_while_unlocked() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let stricter = LockoutPolicy {
        free_attempts: 3,
        base_delay: Duration::from_secs(30),
        max_delay: Duration::from_secs(900),
        wipe_after: Some(10),
    };
    store.set_lockout_policy(stricter).unwrap();
    assert_eq!(store.lockout_policy().unwrap(), stricter);
    store.lock();
    assert!(matches!(
        store.set_lockout_policy(relaxed_policy()),
        Err(StoreError::Locked)
    ));
    let invalid = LockoutPolicy {
        wipe_after: Some(0),
        ..stricter
    };
    assert!(matches!(
        Store::create(
            tempfile::tempdir().unwrap().path(),
            PIN,
            None,
            config(invalid)
        ),
        Err(StoreError::InvalidConfig(_))
    ));
}

#[test]
fn delay_progression_is_exponential_and_capped() {
    let policy = LockoutPolicy {
        free_attempts: 3,
        base_delay: Duration::from_secs(30),
        max_delay: Duration::from_secs(15 * 60),
        wipe_after: Some(10),
    };
    let secs: Vec<u64> = (0..=10).map(|f| policy.delay_after(f).as_secs()).collect();
    assert_eq!(secs, [0, 0, 0, 30, 60, 120, 240, 480, 900, 900, 900]);
    assert_eq!(policy.attempts_left(7), Some(3));
}
