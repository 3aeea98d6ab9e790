//! The socket source: lines read from a TCP server by a background thread; offset = lines received. Not
//! fault-tolerant (as in Spark); a closed connection ends the query with an error instead of hanging.
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};

use arrow::array::{RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema};

use crate::context::EvalContext;
use crate::error::{EmberError, Result};
use crate::plan::stream_relation::StreamRelation;
use crate::plan::streaming::Trigger;
use crate::stream::connector::{refuse_user_schema, relation_as, LoadArgs, SourceProvider};
use crate::stream::offset::{count_offset, offset_count, Offset};
use crate::stream::source::Source;

/// `format("socket")`.
pub struct SocketProvider;
pub static SOCKET: SocketProvider = SocketProvider;

/// `format("socket")` as loaded: lines from a TCP server.
pub struct SocketRelation {
    host: String,
    port: u16,
    include_timestamp: bool,
}

fn socket_fields(include_timestamp: bool) -> Vec<Field> {
    let mut f = vec![Field::new("value", DataType::Utf8, true)];
    if include_timestamp {
        f.push(Field::new("timestamp", crate::types::timestamp_type(), true));
    }
    f
}

impl StreamRelation for SocketRelation {
    fn format(&self) -> &str {
        "socket"
    }
    fn description(&self) -> String {
        format!("TextSocketV2[host: {}, port: {}]", self.host, self.port)
    }
    fn supports_continuous(&self) -> bool {
        true
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl SourceProvider for SocketProvider {
    fn name(&self) -> &'static str {
        "socket"
    }
    fn load(&self, args: LoadArgs<'_>) -> Result<(Arc<dyn StreamRelation>, arrow::datatypes::Fields)> {
        let options = args.options;
        let include_timestamp = options.get_bool("includeTimestamp", false)?;
        refuse_user_schema(&args)?;
        let host = options
            .get("host")
            .ok_or_else(|| EmberError::analysis("Set a host to read from with option(\"host\", ...)."))?
            .to_string();
        let port = options
            .get("port")
            .ok_or_else(|| EmberError::analysis("Set a port to read from with option(\"port\", ...)."))?;
        let port: u16 = port
            .trim()
            .parse()
            .map_err(|_| EmberError::analysis(format!("Port must be an integer between 0 and 65535, got {port}")))?;
        let fields = socket_fields(include_timestamp).into();
        Ok((Arc::new(SocketRelation { host, port, include_timestamp }), fields))
    }
    fn open(&self, relation: &dyn StreamRelation, _trigger: Trigger) -> Result<Box<dyn Source>> {
        let r: &SocketRelation = relation_as(relation)?;
        Ok(Box::new(SocketSource::connect(&r.host, r.port, r.include_timestamp)?))
    }
}

#[derive(Default)]
struct Received {
    lines: Vec<(String, i64)>,
    closed: Option<String>,
    /// Why the connection could not be made.
    connect_failed: Option<String>,
}

pub struct SocketSource {
    received: Arc<Mutex<Received>>,
    include_timestamp: bool,
    host: String,
    port: u16,
    /// Lines already handed to a batch.
    read_upto: i64,
}

impl SocketSource {
    /// Start reading from `host:port`. The connection is made on the reader's own thread, as Spark makes it on the
    /// query's: `start()` never waits for a server, and a failed connection fails the query with its reason.
    pub fn connect(host: &str, port: u16, include_timestamp: bool) -> Result<Self> {
        let received = Arc::new(Mutex::new(Received::default()));
        let sink = received.clone();
        let (h, p) = (host.to_string(), port);
        std::thread::Builder::new()
            .name(format!("socket-{host}:{port}"))
            .spawn(move || {
                let stream = match TcpStream::connect((h.as_str(), p)) {
                    Ok(s) => s,
                    Err(e) => {
                        sink.lock().unwrap().connect_failed = Some(e.to_string());
                        return;
                    }
                };
                let mut reader = BufReader::new(stream);
                let mut line = Vec::new();
                loop {
                    line.clear();
                    match reader.read_until(b'\n', &mut line) {
                        Ok(0) => break,
                        Ok(_) => {
                            // Lines end at \n or \r\n; bytes that are not UTF-8 become U+FFFD, as Java's reader
                            // decodes them, instead of ending the stream.
                            let text = line.strip_suffix(b"\n").unwrap_or(&line);
                            let text = text.strip_suffix(b"\r").unwrap_or(text);
                            let now = chrono::Utc::now().timestamp_micros();
                            sink.lock().unwrap().lines.push((String::from_utf8_lossy(text).into_owned(), now));
                        }
                        Err(e) => {
                            sink.lock().unwrap().closed = Some(e.to_string());
                            return;
                        }
                    }
                }
                sink.lock().unwrap().closed = Some("end of stream".into());
            })
            .map_err(|e| EmberError::execution(e.to_string()))?;
        Ok(SocketSource { received, include_timestamp, host: host.to_string(), port, read_upto: 0 })
    }
}

impl Source for SocketSource {
    fn deserialize_offset(&self, offset: Offset) -> Result<Offset> {
        Ok(Offset::long(offset.count()?))
    }
    /// Lines received (Spark's `LongOffset`).
    fn latest_offset(&mut self) -> Result<Option<Offset>> {
        let r = self.received.lock().unwrap();
        let n = r.lines.len() as i64;
        if let Some(why) = &r.connect_failed {
            return Err(EmberError::streaming_query(format!(
                "Could not connect to socket {}:{}: {why}",
                self.host, self.port
            )));
        }
        // Lines that arrived before the close are still processed; then the query fails rather than hanging.
        if let Some(why) = &r.closed {
            if self.read_upto == n {
                return Err(EmberError::streaming_query(format!(
                    "The socket connection to {}:{} was closed ({why}).",
                    self.host, self.port
                )));
            }
        }
        Ok(count_offset(n))
    }

    fn read(&mut self, start: Option<&Offset>, end: &Offset, _ctx: &EvalContext) -> Result<Vec<RecordBatch>> {
        let (start, end) = (offset_count(start)?, end.count()?);
        let r = self.received.lock().unwrap();
        let slice = &r.lines[start as usize..end as usize];
        let values: StringArray = slice.iter().map(|(l, _)| Some(l.as_str())).collect();
        let fields = socket_fields(self.include_timestamp);
        let mut cols: Vec<arrow::array::ArrayRef> = vec![Arc::new(values)];
        if self.include_timestamp {
            let ts: TimestampMicrosecondArray =
                slice.iter().map(|(_, t)| Some(*t)).collect::<TimestampMicrosecondArray>().with_timezone("UTC");
            cols.push(Arc::new(ts));
        }
        drop(r);
        self.read_upto = end;
        Ok(vec![RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)?])
    }
}
