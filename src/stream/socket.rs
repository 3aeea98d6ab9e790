//! The socket source: lines read from a TCP server by a background thread; offset = lines received. Not
//! fault-tolerant (as in Spark); a closed connection ends the query with an error instead of hanging.
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};

use arrow::array::{RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema};

use crate::error::{EmberError, Result};
use crate::expr::physical::EvalContext;
use crate::stream::source::Source;

#[derive(Default)]
struct Received {
    lines: Vec<(String, i64)>,
    closed: Option<String>,
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
    pub fn connect(host: &str, port: u16, include_timestamp: bool) -> Result<Self> {
        let stream = TcpStream::connect((host, port))
            .map_err(|e| EmberError::streaming_query(format!("Could not connect to socket {host}:{port}: {e}")))?;
        let received = Arc::new(Mutex::new(Received::default()));
        let sink = received.clone();
        std::thread::Builder::new()
            .name(format!("socket-{host}:{port}"))
            .spawn(move || {
                let reader = BufReader::new(stream);
                for line in reader.lines() {
                    match line {
                        Ok(l) => {
                            let now = chrono::Utc::now().timestamp_micros();
                            sink.lock().unwrap().lines.push((l, now));
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
    fn latest_offset(&mut self) -> Result<i64> {
        let r = self.received.lock().unwrap();
        let n = r.lines.len() as i64;
        // Lines that arrived before the close are still processed; then the query fails rather than hanging.
        if let Some(why) = &r.closed {
            if self.read_upto == n {
                return Err(EmberError::streaming_query(format!(
                    "The socket connection to {}:{} was closed ({why}).",
                    self.host, self.port
                )));
            }
        }
        Ok(n)
    }

    fn read(&mut self, start: i64, end: i64, _ctx: &EvalContext) -> Result<Vec<RecordBatch>> {
        let r = self.received.lock().unwrap();
        let slice = &r.lines[start as usize..end as usize];
        let values: StringArray = slice.iter().map(|(l, _)| Some(l.as_str())).collect();
        let mut fields = vec![Field::new("value", DataType::Utf8, true)];
        let mut cols: Vec<arrow::array::ArrayRef> = vec![Arc::new(values)];
        if self.include_timestamp {
            fields.push(Field::new("timestamp", crate::types::timestamp_type(), true));
            let ts: TimestampMicrosecondArray =
                slice.iter().map(|(_, t)| Some(*t)).collect::<TimestampMicrosecondArray>().with_timezone("UTC");
            cols.push(Arc::new(ts));
        }
        drop(r);
        self.read_upto = end;
        Ok(vec![RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)?])
    }
}
