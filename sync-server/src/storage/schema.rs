//! What every backend's migrations share: which steps a database still
//! needs, and refusing a database written by a newer server.

use super::StorageError;

/// The steps above `current`, in order; an error if the database is at a
/// version newer than the last step this server knows (it was written by a
/// newer server, and this one must not touch it).
pub fn pending<'a>(
    current: i64,
    migrations: &'a [(i64, &'a str)],
) -> Result<&'a [(i64, &'a str)], StorageError> {
    let latest = migrations.last().map_or(0, |(v, _)| *v);
    if current > latest {
        return Err(StorageError::SchemaTooNew {
            found: current,
            known: latest,
        });
    }
    let done = migrations.partition_point(|(v, _)| *v <= current);
    Ok(&migrations[done..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_steps_and_newer_databases() {
        let steps = [(1, "a"), (2, "b")];
        assert_eq!(pending(0, &steps).unwrap().len(), 2);
        assert_eq!(pending(1, &steps).unwrap(), &[(2, "b")]);
        assert!(pending(2, &steps).unwrap().is_empty());
        assert!(matches!(
            pending(3, &steps),
            Err(StorageError::SchemaTooNew { found: 3, known: 2 })
        ));
    }
}
