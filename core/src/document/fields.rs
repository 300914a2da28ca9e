//! Typed records as Automerge maps of scalars.
//!
//! Each serde field of a record becomes one key of a map: strings, numbers,
//! booleans and null as native scalars, nested values (lists, tagged enums)
//! as one JSON value stored as bytes. A field is therefore the unit of
//! concurrency: two devices writing different fields both win, two writing
//! the same field leave both values for a person to choose between.

use automerge::{transaction::Transactable, ObjId, ReadDoc, ScalarValue, Value};
use serde::{de::DeserializeOwned, Serialize};
use serde_json::{Map, Value as Json};

use super::DocError;

/// One scalar value of a field together with the Automerge op that wrote it.
pub(crate) struct Written {
    pub value: Json,
    pub op: ObjId,
}

/// The serde fields of `record`, as a JSON object.
pub(crate) fn to_fields<T: Serialize>(record: &T) -> Result<Map<String, Json>, DocError> {
    match serde_json::to_value(record) {
        Ok(Json::Object(map)) => Ok(map),
        Ok(_) => Err(DocError::Encoding("record is not a struct")),
        Err(_) => Err(DocError::Encoding("record could not be serialised")),
    }
}

pub(crate) fn to_scalar(value: &Json) -> Result<ScalarValue, DocError> {
    Ok(match value {
        Json::Null => ScalarValue::Null,
        Json::Bool(b) => ScalarValue::Boolean(*b),
        Json::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => ScalarValue::Int(i),
            (None, Some(f)) => ScalarValue::F64(f),
            (None, None) => return Err(DocError::Encoding("number out of range")),
        },
        Json::String(s) => ScalarValue::Str(s.as_str().into()),
        nested => ScalarValue::Bytes(
            serde_json::to_vec(nested).map_err(|_| DocError::Encoding("nested value"))?,
        ),
    })
}

pub(crate) fn from_scalar(value: &ScalarValue) -> Result<Json, DocError> {
    Ok(match value {
        ScalarValue::Null => Json::Null,
        ScalarValue::Boolean(b) => Json::Bool(*b),
        ScalarValue::Int(i) => Json::from(*i),
        ScalarValue::Uint(u) => Json::from(*u),
        ScalarValue::F64(f) => Json::from(*f),
        ScalarValue::Str(s) => Json::String(s.to_string()),
        ScalarValue::Bytes(b) => {
            serde_json::from_slice(b).map_err(|_| DocError::Corrupt("nested value"))?
        }
        _ => return Err(DocError::Corrupt("unexpected scalar type")),
    })
}

/// Writes every field of `fields` into the map `obj`, skipping fields whose
/// current value is already equal, so that re-saving a form creates no
/// operations (and no spurious conflicts) for fields nobody touched.
pub(crate) fn write_fields<T: Transactable + ReadDoc>(
    tx: &mut T,
    obj: &ObjId,
    fields: &Map<String, Json>,
) -> Result<(), DocError> {
    for (key, value) in fields {
        let current = match tx.get(obj, key.as_str())? {
            Some((Value::Scalar(s), _)) => Some(from_scalar(&s)?),
            _ => None,
        };
        if current.as_ref() != Some(value) {
            tx.put(obj, key.as_str(), to_scalar(value)?)?;
        }
    }
    Ok(())
}

/// Writes one field unconditionally (a resolution must supersede every
/// concurrent value even when it picks the one Automerge shows).
pub(crate) fn put_field<T: Transactable>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    value: &Json,
) -> Result<(), DocError> {
    tx.put(obj, key, to_scalar(value)?)?;
    Ok(())
}

/// Every value currently held by `key` in `obj`: one normally, several when
/// devices wrote it concurrently. The first is the one Automerge shows.
pub(crate) fn read_all<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
    key: &str,
) -> Result<Vec<Written>, DocError> {
    let mut all = Vec::new();
    for (value, op) in doc.get_all(obj, key)? {
        if let Value::Scalar(s) = value {
            all.push(Written {
                value: from_scalar(&s)?,
                op,
            });
        }
    }
    if let Some((_, winner)) = doc.get(obj, key)? {
        all.sort_by_key(|w| w.op != winner);
    }
    Ok(all)
}

/// The winning value of every field of the map `obj`, as a JSON object.
/// One pass over the map: this runs on every write and every read.
pub(crate) fn read_fields<D: ReadDoc>(doc: &D, obj: &ObjId) -> Result<Map<String, Json>, DocError> {
    let mut map = Map::new();
    for item in doc.map_range(obj, ..) {
        let key = item.key.into_owned();
        if let Value::Scalar(s) = Value::from(item.value) {
            map.insert(key, from_scalar(&s)?);
        }
    }
    Ok(map)
}

/// Keys of the map `obj` that hold several concurrent values.
pub(crate) fn conflicted_keys<D: ReadDoc>(doc: &D, obj: &ObjId) -> Vec<String> {
    doc.map_range(obj, ..)
        .filter(|item| item.conflict)
        .map(|item| item.key.into_owned())
        .collect()
}

/// Reads the map `obj` back into a typed record.
pub(crate) fn read_record<D: ReadDoc, T: DeserializeOwned>(
    doc: &D,
    obj: &ObjId,
) -> Result<T, DocError> {
    let fields = read_fields(doc, obj)?;
    serde_json::from_value(Json::Object(fields)).map_err(|_| DocError::Corrupt("record shape"))
}

/// The id of the child map `key` of `parent`, if it exists.
pub(crate) fn child_obj<D: ReadDoc>(
    doc: &D,
    parent: &ObjId,
    key: &str,
) -> Result<Option<ObjId>, DocError> {
    Ok(match doc.get(parent, key)? {
        Some((Value::Object(_), id)) => Some(id),
        _ => None,
    })
}
