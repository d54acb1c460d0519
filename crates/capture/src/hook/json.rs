//! Typed, forgiving reads from a `serde_json::Value`: a missing key or a value of the wrong type
//! reads as `None`, never as an error or a panic.

use serde_json::Value;

/// The string at `key`, if `v` is an object and the value there is a string.
pub(crate) fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)?.as_str()
}

/// The first of `keys` that holds a string.
pub(crate) fn first_str<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|k| str_at(v, k))
}

/// The string at `key`, owned, if non-empty.
pub(crate) fn string_at(v: &Value, key: &str) -> Option<String> {
    str_at(v, key).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// The non-negative integer at `key`.
pub(crate) fn u64_at(v: &Value, key: &str) -> Option<u64> {
    v.get(key)?.as_u64()
}

/// The integer at `key` if it fits an `i32`.
pub(crate) fn i32_at(v: &Value, key: &str) -> Option<i32> {
    i32::try_from(v.get(key)?.as_i64()?).ok()
}

/// The boolean at `key`.
pub(crate) fn bool_at(v: &Value, key: &str) -> Option<bool> {
    v.get(key)?.as_bool()
}

/// The strings of the array at `key` (non-strings skipped).
pub(crate) fn strs_at(v: &Value, key: &str) -> Vec<String> {
    match v.get(key) {
        Some(Value::Array(items)) => {
            items.iter().filter_map(Value::as_str).map(str::to_owned).collect()
        }
        _ => Vec::new(),
    }
}

/// The name of a JSON value's type, for error messages.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The text of a content value as agents send it: a string, an array of strings or of
/// `{"type":"text","text":…}` blocks, or one such block. Non-text blocks (images) are skipped.
pub(crate) fn content_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => {
            let parts: Vec<&str> = items
                .iter()
                .filter_map(|item| match item {
                    Value::String(s) => Some(s.as_str()),
                    Value::Object(_) => str_at(item, "text"),
                    _ => None,
                })
                .collect();
            if parts.is_empty() { None } else { Some(parts.join("\n")) }
        }
        Value::Object(_) => str_at(v, "text").map(str::to_owned),
        _ => None,
    }
}
