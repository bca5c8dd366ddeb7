//! Reading CSV, JSON and JSON Lines as a stream of records.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::guard::{Guard, TOO_LARGE, Tally};
use super::{
    Format, ImportError, MAX_COLUMNS, MAX_FIELD_BYTES, MAX_RECORD_BYTES, Plan, RawRecord, RawValue,
};

/// How many records the column discovery of a JSON file looks at.
const DISCOVERY_RECORDS: usize = 50;

type Sink<'a> = &'a mut dyn FnMut(RawRecord) -> ControlFlow<()>;

fn open(path: &Path) -> Result<File, ImportError> {
    super::open_source(path)
}

pub(crate) fn raw_value(bytes: &[u8]) -> RawValue {
    if bytes.len() > MAX_FIELD_BYTES {
        return RawValue::TooLarge(bytes.len());
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => RawValue::Text(s.to_string()),
        Err(_) => RawValue::InvalidUtf8,
    }
}

fn text_value(s: String) -> RawValue {
    if s.len() > MAX_FIELD_BYTES {
        RawValue::TooLarge(s.len())
    } else {
        RawValue::Text(s)
    }
}

// ---------------------------------------------------------------------------------------------
// CSV

/// The header of a CSV file: trimmed names, blank ones called "column N", repeats numbered.
pub(crate) fn csv_header(path: &Path, delimiter: u8) -> Result<Vec<String>, ImportError> {
    let (guard, _) = Guard::new(open(path)?, Arc::new(AtomicU64::new(0)));
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(guard);
    let header = rdr.byte_headers().map_err(|e| {
        ImportError::NotRecognised(format!(
            "{}: the first line is not a CSV header ({e})",
            path.display()
        ))
    })?;
    if header.len() > MAX_COLUMNS {
        return Err(ImportError::NotRecognised(format!(
            "{}: the first line has {} columns; a complaint export has at most {MAX_COLUMNS}, so this is not one (is the delimiter right?)",
            path.display(),
            header.len()
        )));
    }
    let mut columns: Vec<String> = Vec::with_capacity(header.len());
    let mut seen = HashSet::with_capacity(header.len());
    for (i, raw) in header.iter().enumerate() {
        let raw = if i == 0 {
            raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw)
        } else {
            raw
        };
        let mut name = String::from_utf8_lossy(raw).trim().to_string();
        if name.is_empty() {
            name = format!("column {}", i + 1);
        }
        let base = name.clone();
        let mut n = 2;
        while seen.contains(&name) {
            name = format!("{base} ({n})");
            n += 1;
        }
        seen.insert(name.clone());
        columns.push(name);
    }
    if columns.is_empty() {
        return Err(ImportError::NotRecognised(format!(
            "{}: the CSV header is empty",
            path.display()
        )));
    }
    Ok(columns)
}

/// Streams the rows of a CSV file; `all` asks for every column instead of the mapped ones.
pub(crate) fn csv_records(
    plan: &Plan,
    read: Arc<AtomicU64>,
    all: Option<&[usize]>,
    sink: Sink<'_>,
) -> Result<Option<String>, ImportError> {
    let wanted = wanted_columns(plan, all);
    let (guard, tally) = Guard::new(open(&plan.path)?, read);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(plan.delimiter)
        .flexible(true)
        .from_reader(guard);
    let header_lines = match rdr.byte_headers() {
        Ok(h) => {
            1 + h
                .iter()
                .map(|f| f.iter().filter(|&&b| b == b'\n').count() as i64)
                .sum::<i64>()
        }
        Err(e) => return Ok(Some(format!("the header could not be read: {e}"))),
    };
    // The csv reader's line numbers lag by one on files with CRLF record endings; they are
    // calibrated on the first record, which starts right after the header.
    let mut offset: Option<i64> = None;
    let mut rec = csv::ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => return Ok(None),
            Ok(true) => {}
            Err(e) => {
                let reported = e
                    .position()
                    .map(|p| p.line() as i64)
                    .unwrap_or_else(|| tally.line() as i64);
                return Ok(Some(csv_stop(
                    (reported + offset.unwrap_or(0)).max(1) as u64,
                    &e,
                )));
            }
        }
        tally.record_done();
        let reported = rec.position().map(|p| p.line() as i64).unwrap_or(0);
        let off = *offset.get_or_insert(header_lines + 1 - reported);
        let line = (reported + off).max(1) as u64;
        let mut values = vec![None; plan.columns.len()];
        for &i in &wanted {
            if let Some(bytes) = rec.get(i) {
                values[i] = Some(raw_value(bytes));
            }
        }
        if sink(RawRecord {
            line,
            file: None,
            values,
            problem: None,
        })
        .is_break()
        {
            return Ok(None);
        }
    }
}

fn csv_stop(line: u64, e: &csv::Error) -> String {
    let detail = match e.kind() {
        csv::ErrorKind::Io(io) if io.to_string().contains(TOO_LARGE) => {
            "a row runs on for more than 64 MB, most likely a quote that is never closed"
                .to_string()
        }
        _ => e.to_string(),
    };
    format!("line {line}: {detail}; the rest of the file was not read")
}

fn wanted_columns(plan: &Plan, all: Option<&[usize]>) -> Vec<usize> {
    match all {
        Some(all) => all.to_vec(),
        None => plan
            .mapping
            .pairs()
            .filter_map(|(_, c)| plan.columns.iter().position(|x| x == c))
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// JSON values

/// Flattens a JSON object into dotted keys: nested objects become `a.b`, lists of scalars
/// are joined with ", ", lists of objects give their `name` (or `label`, `value`).
fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        Value::Array(items) => {
            let parts: Vec<String> = items
                .iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    Value::Bool(b) => Some(b.to_string()),
                    Value::Object(o) => ["name", "label", "value", "tag"]
                        .iter()
                        .find_map(|k| o.get(*k).and_then(Value::as_str).map(str::to_string)),
                    _ => None,
                })
                .collect();
            if !parts.is_empty() {
                out.push((prefix.to_string(), parts.join(", ")));
            }
        }
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        Value::Number(n) => out.push((prefix.to_string(), n.to_string())),
        Value::Bool(b) => out.push((prefix.to_string(), b.to_string())),
        Value::Null => {}
    }
}

fn record_from_value(plan: &Plan, wanted: &[usize], line: u64, value: Value) -> RawRecord {
    let mut values = vec![None; plan.columns.len()];
    if !value.is_object() {
        return RawRecord {
            line,
            file: None,
            values,
            problem: Some("the record is not a JSON object".into()),
        };
    }
    let mut flat = Vec::new();
    flatten("", &value, &mut flat);
    let by_key: HashMap<&str, &String> = flat.iter().map(|(k, v)| (k.as_str(), v)).collect();
    for &i in wanted {
        if let Some(v) = by_key.get(plan.columns[i].as_str()) {
            values[i] = Some(text_value((*v).clone()));
        }
    }
    RawRecord {
        line,
        file: None,
        values,
        problem: None,
    }
}

/// Adds the keys of `value` to `columns` (`known` holds the same keys, for lookups), in order
/// of first appearance.
fn discover(value: &Value, columns: &mut Vec<String>, known: &mut HashSet<String>) {
    let mut flat = Vec::new();
    flatten("", value, &mut flat);
    for (k, _) in flat {
        if columns.len() >= MAX_COLUMNS {
            return;
        }
        if !k.is_empty() && known.insert(k.clone()) {
            columns.push(k);
        }
    }
}

/// The columns of a JSON or JSON Lines file, from its first records.
pub(crate) fn json_columns(path: &Path, format: Format) -> Result<Vec<String>, ImportError> {
    let mut columns = Vec::new();
    let mut known = HashSet::new();
    let mut seen = 0usize;
    let mut objects = 0usize;
    let mut visit = |v: Value| {
        seen += 1;
        if v.is_object() {
            objects += 1;
            discover(&v, &mut columns, &mut known);
        }
        if seen >= DISCOVERY_RECORDS {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let read = Arc::new(AtomicU64::new(0));
    let stop = match format {
        Format::Json => stream_json(path, read, &mut |_, v| visit(v))?,
        _ => stream_jsonl(path, read, &mut |_, r| match r {
            Ok(v) => visit(v),
            Err(_) => ControlFlow::Continue(()),
        })?,
    };
    if objects == 0 {
        let why = stop.map(|s| format!(" ({s})")).unwrap_or_default();
        return Err(ImportError::NotRecognised(format!(
            "{} holds no JSON objects to import{why}",
            path.display()
        )));
    }
    Ok(columns)
}

/// Streams the records of a JSON file.
pub(crate) fn json_records(
    plan: &Plan,
    read: Arc<AtomicU64>,
    all: Option<&[usize]>,
    sink: Sink<'_>,
) -> Result<Option<String>, ImportError> {
    let wanted = wanted_columns(plan, all);
    stream_json(&plan.path, read, &mut |line, v| {
        sink(record_from_value(plan, &wanted, line, v))
    })
}

/// Streams the records of a JSON Lines file.
pub(crate) fn jsonl_records(
    plan: &Plan,
    read: Arc<AtomicU64>,
    all: Option<&[usize]>,
    sink: Sink<'_>,
) -> Result<Option<String>, ImportError> {
    let wanted = wanted_columns(plan, all);
    stream_jsonl(&plan.path, read, &mut |line, r| match r {
        Ok(v) => sink(record_from_value(plan, &wanted, line, v)),
        Err(problem) => sink(RawRecord {
            line,
            file: None,
            values: vec![None; plan.columns.len()],
            problem: Some(problem),
        }),
    })
}

// ---------------------------------------------------------------------------------------------
// Streaming parsers

type ValueSink<'a> = &'a mut dyn FnMut(u64, Value) -> ControlFlow<()>;

/// Calls `each` with every element of the top-level array (or of the first array inside a
/// top-level object, as in `{"tickets": [...]}`), one at a time.
fn stream_json(
    path: &Path,
    read: Arc<AtomicU64>,
    each: ValueSink<'_>,
) -> Result<Option<String>, ImportError> {
    let file = open(path)?;
    let (guard, tally) = Guard::new(std::io::BufReader::with_capacity(64 * 1024, file), read);
    let mut de = serde_json::Deserializer::from_reader(guard);
    let mut state = StreamState {
        tally: &tally,
        each,
        stopped: false,
        streamed: false,
    };
    let result = serde::Deserializer::deserialize_any(&mut de, TopLevel(&mut state));
    if state.stopped {
        return Ok(None);
    }
    match result {
        Ok(()) if state.streamed => Ok(None),
        Ok(()) => Err(ImportError::NotRecognised(format!(
            "{} is JSON but holds no list of records",
            path.display()
        ))),
        Err(e) => {
            let detail = if e.to_string().contains(TOO_LARGE) {
                "a record is larger than 64 MB".to_string()
            } else {
                e.to_string()
            };
            Ok(Some(format!(
                "line {}: {detail}; the rest of the file was not read",
                e.line().max(1)
            )))
        }
    }
}

struct StreamState<'a, 'b> {
    tally: &'a Tally,
    each: ValueSink<'b>,
    stopped: bool,
    streamed: bool,
}

struct TopLevel<'s, 'a, 'b>(&'s mut StreamState<'a, 'b>);

impl<'de> Visitor<'de> for TopLevel<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON array of records, or an object holding one")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        Elements(self.0).visit_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(_key) = map.next_key::<IgnoredAny>()? {
            if self.0.streamed || self.0.stopped {
                map.next_value::<IgnoredAny>()?;
            } else {
                map.next_value_seed(ArrayOrSkip(self.0))?;
            }
            if self.0.stopped {
                return Ok(());
            }
        }
        Ok(())
    }
}

struct ArrayOrSkip<'s, 'a, 'b>(&'s mut StreamState<'a, 'b>);

impl<'de> DeserializeSeed<'de> for ArrayOrSkip<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(ArrayOrSkipVisitor(self.0))
    }
}

struct ArrayOrSkipVisitor<'s, 'a, 'b>(&'s mut StreamState<'a, 'b>);

macro_rules! ignore_scalar {
    ($($name:ident: $t:ty),*) => {
        $(fn $name<E>(self, _: $t) -> Result<(), E> { Ok(()) })*
    };
}

impl<'de> Visitor<'de> for ArrayOrSkipVisitor<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    ignore_scalar!(visit_bool: bool, visit_i64: i64, visit_u64: u64, visit_f64: f64, visit_str: &str);
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        Elements(self.0).visit_seq(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(())
    }
}

struct Elements<'s, 'a, 'b>(&'s mut StreamState<'a, 'b>);

impl<'de> Elements<'_, '_, '_> {
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let state = self.0;
        state.streamed = true;
        state.tally.record_done();
        while let Some(value) = seq.next_element::<Value>()? {
            let line = state.tally.line();
            state.tally.record_done();
            if (state.each)(line, value).is_break() {
                state.stopped = true;
                // Leaving early makes the parser complain about what follows; the caller
                // knows it stopped on purpose.
                return Ok(());
            }
        }
        Ok(())
    }
}

/// Calls `each` with every non-blank line of a JSON Lines file, parsed, or why it is not a
/// JSON object. Lines over the record limit are skipped without being held in memory.
fn stream_jsonl(
    path: &Path,
    read: Arc<AtomicU64>,
    each: &mut dyn FnMut(u64, Result<Value, String>) -> ControlFlow<()>,
) -> Result<Option<String>, ImportError> {
    let file = open(path)?;
    let (guard, tally) = Guard::new(file, read);
    let mut reader = BufReader::with_capacity(64 * 1024, guard);
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    loop {
        buf.clear();
        line_no += 1;
        tally.record_done();
        let n = (&mut reader)
            .take(MAX_RECORD_BYTES + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| ImportError::io(path, e))?;
        if n == 0 {
            return Ok(None);
        }
        if buf.len() as u64 > MAX_RECORD_BYTES && buf.last() != Some(&b'\n') {
            skip_line(&mut reader, &tally).map_err(|e| ImportError::io(path, e))?;
            if each(line_no, Err("the line is longer than 64 MB".into())).is_break() {
                return Ok(None);
            }
            continue;
        }
        let text = if line_no == 1 {
            buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&buf)
        } else {
            &buf[..]
        };
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let parsed = match serde_json::from_slice::<Value>(text) {
            Ok(v) if v.is_object() => Ok(v),
            Ok(_) => Err("the line is not a JSON object".to_string()),
            Err(e) if std::str::from_utf8(text).is_err() => Err(format!("invalid UTF-8 ({e})")),
            Err(e) => Err(format!("not valid JSON: {e}")),
        };
        if each(line_no, parsed).is_break() {
            return Ok(None);
        }
    }
}

fn skip_line<R: BufRead>(reader: &mut R, tally: &Tally) -> std::io::Result<()> {
    loop {
        tally.record_done();
        let (done, used) = {
            let chunk = reader.fill_buf()?;
            if chunk.is_empty() {
                return Ok(());
            }
            match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (true, i + 1),
                None => (false, chunk.len()),
            }
        };
        reader.consume(used);
        if done {
            return Ok(());
        }
    }
}
