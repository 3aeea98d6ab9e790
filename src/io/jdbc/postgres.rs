//! PostgreSQL through the `postgres` client: connecting with the URL's and options' properties, the save modes'
//! statements, bulk loads by binary COPY in one transaction, and typed reads of each partition on its own
//! connection.
use std::io::Write;
use std::time::Duration;

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef};
use postgres::types::{FromSql, Type};
use postgres::{Client, GenericClient, NoTls};
use rayon::prelude::*;

use crate::error::{EmberError, Result};
use crate::io::jdbc::columns::ColumnBuilder;
use crate::io::jdbc::options::{IsolationLevel, JdbcOptions};
use crate::io::jdbc::pg_copy::{CopyEncoder, TargetColumn, HEADER, TRAILER};
use crate::io::jdbc::types::{postgres_read, PgRead};
use crate::io::jdbc::url::PostgresUrl;
use crate::io::jdbc::SaveMode;

/// The database's error in the words the PostgreSQL JDBC driver uses (`ERROR: …` / `FATAL: …`, then the detail),
/// and a refused connection as the driver reports it.
pub fn pg_error(url: &PostgresUrl, e: postgres::Error) -> EmberError {
    let message = if let Some(db) = e.as_db_error() {
        let mut m = format!("{}: {}", db.severity(), db.message());
        if let Some(d) = db.detail() {
            m.push_str(&format!("\n  Detail: {d}"));
        }
        if let Some(h) = db.hint() {
            m.push_str(&format!("\n  Hint: {h}"));
        }
        m
    } else if let Some(io) = std::error::Error::source(&e).and_then(|s| s.downcast_ref::<std::io::Error>()) {
        match io.kind() {
            std::io::ErrorKind::ConnectionRefused => format!(
                "Connection to {}:{} refused. Check that the hostname and port are correct and that the postmaster \
                 is accepting TCP/IP connections.",
                url.host, url.port
            ),
            _ => format!("The connection attempt to {}:{} failed: {io}", url.host, url.port),
        }
    } else {
        e.to_string()
    };
    EmberError::execution(message)
}

fn sqlstate(e: &postgres::Error) -> Option<&str> {
    e.code().map(|c| c.code())
}

/// A connection as the URL and the options say, with `sessionInitStatement` run on it.
pub fn connect(url: &PostgresUrl, opts: &JdbcOptions) -> Result<Client> {
    let mut config = postgres::Config::new();
    config.host(&url.host).port(url.port);
    if !url.database.is_empty() {
        config.dbname(&url.database);
    }
    let user = url.property("user").map(str::to_string).or_else(|| std::env::var("USER").ok());
    if let Some(u) = &user {
        config.user(u);
    }
    if let Some(p) = url.property("password") {
        config.password(p);
    }
    if let Some(a) = url.property("ApplicationName") {
        config.application_name(a);
    }
    // The JDBC driver's connectTimeout (seconds, default 10): a host that does not answer fails instead of hanging.
    let timeout = url.property("connectTimeout").and_then(|v| v.parse::<u64>().ok()).unwrap_or(10);
    if timeout > 0 {
        config.connect_timeout(Duration::from_secs(timeout));
    }
    if url.property("ssl").is_some_and(|v| v.eq_ignore_ascii_case("true"))
        || url
            .property("sslmode")
            .is_some_and(|v| !v.eq_ignore_ascii_case("disable") && !v.eq_ignore_ascii_case("prefer"))
    {
        return Err(EmberError::illegal_argument(
            "SSL connections to PostgreSQL are not supported by ember's JDBC source; connect without ssl/sslmode."
                .to_string(),
        ));
    }
    let mut client = config.connect(NoTls).map_err(|e| pg_error(url, e))?;
    if opts.query_timeout > 0 {
        client
            .batch_execute(&format!("SET statement_timeout = {}", opts.query_timeout.saturating_mul(1000)))
            .map_err(|e| pg_error(url, e))?;
    }
    if let Some(stmt) = &opts.session_init_statement {
        client.batch_execute(stmt).map_err(|e| pg_error(url, e))?;
    }
    Ok(client)
}

/// Spark's PostgreSQL table test: `SELECT 1 FROM t LIMIT 1` succeeds.
fn table_exists(client: &mut Client, url: &PostgresUrl, table: &str) -> Result<bool> {
    match client.execute(&format!("SELECT 1 FROM {table} LIMIT 1"), &[]) {
        Ok(_) => Ok(true),
        Err(e) if matches!(sqlstate(&e), Some("42P01") | Some("3F000")) => Ok(false),
        Err(e) => Err(pg_error(url, e)),
    }
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `createTableColumnTypes` ("name TYPE, name TYPE(p,s)"): the column types the user gives, by column name.
fn user_column_types(spec: &str, schema: &Schema) -> Result<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    let (mut depth, mut start) = (0, 0);
    let bytes = spec.as_bytes();
    let mut parts = Vec::new();
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'(' => depth += 1,
            b')' => depth -= 1,
            b',' if depth == 0 => {
                parts.push(&spec[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&spec[start..]);
    for part in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let (name, ty) = part.split_once(char::is_whitespace).ok_or_else(|| {
            EmberError::parse(format!("Cannot parse createTableColumnTypes entry '{part}': expected 'name TYPE'"))
        })?;
        let name = name.trim_matches('`');
        if !schema.fields().iter().any(|f| f.name().eq_ignore_ascii_case(name)) {
            return Err(EmberError::analysis(format!(
                "createTableColumnTypes option column {name} not found in schema {}",
                crate::types::ddl::type_to_ddl(&DataType::Struct(schema.fields().clone()))
            )));
        }
        if out.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
            return Err(EmberError::analysis(format!(
                "Found duplicate column(s) in the createTableColumnTypes option value: `{}`",
                name.to_ascii_lowercase()
            )));
        }
        out.push((name.to_string(), ty.trim().to_ascii_uppercase()));
    }
    Ok(out)
}

/// Spark's CREATE TABLE for a DataFrame's schema.
pub fn create_table_sql(table: &str, schema: &Schema, opts: &JdbcOptions) -> Result<String> {
    let user = match &opts.create_table_column_types {
        Some(spec) => user_column_types(spec, schema)?,
        None => Vec::new(),
    };
    let mut cols = Vec::new();
    for f in schema.fields() {
        let ty = match user.iter().find(|(n, _)| n.eq_ignore_ascii_case(f.name())) {
            Some((_, t)) => t.clone(),
            None => crate::io::jdbc::types::postgres_column_type(f.data_type())?,
        };
        let not_null = if f.is_nullable() { "" } else { " NOT NULL" };
        cols.push(format!("{} {ty}{not_null}", quote(f.name())));
    }
    Ok(format!("CREATE TABLE {table} ({}) {}", cols.join(", "), opts.create_table_options).trim_end().to_string())
}

/// The table's columns matched to the DataFrame's by name (case-insensitively, as Spark with caseSensitive off).
fn target_columns(
    c: &mut impl GenericClient,
    url: &PostgresUrl,
    table: &str,
    schema: &Schema,
) -> Result<Vec<TargetColumn>> {
    let stmt = c.prepare(&format!("SELECT * FROM {table} WHERE 1=0")).map_err(|e| pg_error(url, e))?;
    let cols = stmt.columns();
    let mut out = Vec::with_capacity(schema.fields().len());
    for f in schema.fields() {
        let col = cols
            .iter()
            .find(|c| c.name() == f.name().as_str())
            .or_else(|| cols.iter().find(|c| c.name().eq_ignore_ascii_case(f.name())))
            .ok_or_else(|| {
                let names: Vec<&str> = cols.iter().map(|c| c.name()).collect();
                EmberError::analysis(format!(
                    "Column \"{}\" not found in schema of table {table} (columns: {})",
                    f.name(),
                    names.join(", ")
                ))
            })?;
        let ty = col.type_();
        let element_oid = match ty.kind() {
            postgres::types::Kind::Array(e) => Some(e.oid()),
            _ => None,
        };
        out.push(TargetColumn {
            name: col.name().to_string(),
            oid: ty.oid(),
            type_name: pg_type_display(ty),
            element_oid,
        });
    }
    Ok(out)
}

/// A type's name as PostgreSQL writes it in messages (`integer`, `text`, `bigint[]`).
fn pg_type_display(ty: &Type) -> String {
    let base = |t: &Type| -> String {
        match t.name() {
            "int2" => "smallint".into(),
            "int4" => "integer".into(),
            "int8" => "bigint".into(),
            "float4" => "real".into(),
            "float8" => "double precision".into(),
            "bool" => "boolean".into(),
            "timestamptz" => "timestamp with time zone".into(),
            "timestamp" => "timestamp without time zone".into(),
            "varchar" => "character varying".into(),
            "bpchar" => "character".into(),
            other => other.to_string(),
        }
    };
    match ty.kind() {
        postgres::types::Kind::Array(e) => format!("{}[]", base(e)),
        _ => base(ty),
    }
}

/// COPY every row of `batches` into `table`.
fn copy_rows(
    c: &mut impl GenericClient,
    url: &PostgresUrl,
    table: &str,
    schema: &Schema,
    batches: &[RecordBatch],
    tz: chrono_tz::Tz,
) -> Result<()> {
    let targets = target_columns(c, url, table, schema)?;
    let types: Vec<DataType> = schema.fields().iter().map(|f| f.data_type().clone()).collect();
    let encoder = CopyEncoder::new(&types, &targets, tz)?;
    let names: Vec<String> = targets.iter().map(|t| quote(&t.name)).collect();
    let sql = format!("COPY {table} ({}) FROM STDIN (FORMAT binary)", names.join(", "));
    let mut writer = c.copy_in(&sql).map_err(|e| pg_error(url, e))?;
    let io_err = |e: std::io::Error| EmberError::execution(format!("COPY into {table} failed: {e}"));
    writer.write_all(HEADER).map_err(io_err)?;
    // Batches are encoded in parallel, a window at a time, on another thread while this one sends the previous
    // window's bytes: the database's parsing of one window overlaps the encoding of the next.
    let window = rayon::current_num_threads().max(1) * 2;
    // Slices of at most 16k rows (zero-copy), so a micro-batch of one large batch is encoded in parallel too.
    let mut slices = Vec::new();
    for b in batches {
        let mut at = 0;
        while at < b.num_rows() {
            let len = (b.num_rows() - at).min(16_384);
            slices.push(b.slice(at, len));
            at += len;
        }
    }
    let batches = &slices;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<u8>>>(window);
    std::thread::scope(|scope| -> Result<()> {
        let encoder = &encoder;
        scope.spawn(move || {
            for chunk in batches.chunks(window) {
                let encoded: Vec<Result<Vec<u8>>> = chunk
                    .par_iter()
                    .map(|b| {
                        let mut buf = Vec::with_capacity(b.num_rows() * (2 + 16 * b.num_columns()));
                        encoder.encode(b.columns(), &mut buf)?;
                        Ok(buf)
                    })
                    .collect();
                for buf in encoded {
                    // The receiver is gone only when sending failed; stop encoding then.
                    if tx.send(buf).is_err() {
                        return;
                    }
                }
            }
        });
        for buf in rx {
            writer.write_all(&buf?).map_err(io_err)?;
        }
        Ok(())
    })?;
    writer.write_all(TRAILER).map_err(io_err)?;
    writer.finish().map_err(|e| pg_error(url, e))?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
/// The statements of one save in `mode`, on a transaction or (isolationLevel NONE) on the connection itself.
fn save_on(
    c: &mut impl GenericClient,
    url: &PostgresUrl,
    opts: &JdbcOptions,
    mode: SaveMode,
    exists: bool,
    schema: &Schema,
    batches: &[RecordBatch],
    tz: chrono_tz::Tz,
) -> Result<()> {
    let table = opts.table();
    if exists {
        match mode {
            SaveMode::Overwrite if opts.truncate => {
                c.batch_execute(&format!("TRUNCATE TABLE ONLY {table}")).map_err(|e| pg_error(url, e))?;
            }
            SaveMode::Overwrite => {
                c.batch_execute(&format!("DROP TABLE {table}")).map_err(|e| pg_error(url, e))?;
                c.batch_execute(&create_table_sql(table, schema, opts)?).map_err(|e| pg_error(url, e))?;
            }
            SaveMode::Append => {}
            SaveMode::ErrorIfExists | SaveMode::Ignore => unreachable!("decided before the transaction"),
        }
    } else {
        c.batch_execute(&create_table_sql(table, schema, opts)?).map_err(|e| pg_error(url, e))?;
    }
    copy_rows(c, url, table, schema, batches, tz)
}

/// `df.write.format("jdbc")` to PostgreSQL: the save mode's statements and the COPY in one transaction, so a
/// failure leaves the table as it was.
pub fn write(
    url: &PostgresUrl,
    opts: &JdbcOptions,
    mode: SaveMode,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    tz: chrono_tz::Tz,
) -> Result<()> {
    let mut client = connect(url, opts)?;
    let exists = table_exists(&mut client, url, opts.table())?;
    if exists {
        match mode {
            SaveMode::ErrorIfExists => {
                return Err(EmberError::analysis_condition("_LEGACY_ERROR_TEMP_1288", [("name", opts.table())]))
            }
            SaveMode::Ignore => return Ok(()),
            _ => {}
        }
    }
    let level = match opts.isolation_level {
        IsolationLevel::None => None,
        // PostgreSQL runs READ UNCOMMITTED as READ COMMITTED.
        IsolationLevel::ReadUncommitted => Some(postgres::IsolationLevel::ReadUncommitted),
        IsolationLevel::ReadCommitted => Some(postgres::IsolationLevel::ReadCommitted),
        IsolationLevel::RepeatableRead => Some(postgres::IsolationLevel::RepeatableRead),
        IsolationLevel::Serializable => Some(postgres::IsolationLevel::Serializable),
    };
    match level {
        None => save_on(&mut client, url, opts, mode, exists, schema, batches, tz),
        Some(level) => {
            let mut tx = client.build_transaction().isolation_level(level).start().map_err(|e| pg_error(url, e))?;
            save_on(&mut tx, url, opts, mode, exists, schema, batches, tz)?;
            tx.commit().map_err(|e| pg_error(url, e))
        }
    }
}

/// DATE on the wire: days since 2000-01-01.
struct PgDays(i32);
impl<'a> FromSql<'a> for PgDays {
    fn from_sql(_: &Type, raw: &'a [u8]) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        let v = i32::from_be_bytes(raw.try_into()?);
        Ok(PgDays(v.saturating_add(10_957)))
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::DATE
    }
}

/// TIMESTAMP / TIMESTAMPTZ on the wire: microseconds since 2000-01-01.
struct PgMicros(i64);
impl<'a> FromSql<'a> for PgMicros {
    fn from_sql(_: &Type, raw: &'a [u8]) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        let v = i64::from_be_bytes(raw.try_into()?);
        Ok(PgMicros(v.saturating_add(946_684_800_000_000)))
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::TIMESTAMP || *ty == Type::TIMESTAMPTZ
    }
}

/// The columns of a read: name, how each is fetched.
pub struct ReadPlan {
    pub fields: Fields,
    kinds: Vec<PgRead>,
    select_list: String,
}

/// Spark's schema query (`SELECT * FROM … WHERE 1=0`) and the mapping of each column.
pub fn resolve(client: &mut Client, url: &PostgresUrl, from: &str) -> Result<ReadPlan> {
    let stmt = client.prepare(&format!("SELECT * FROM {from} WHERE 1=0")).map_err(|e| pg_error(url, e))?;
    let mut fields = Vec::new();
    let mut kinds = Vec::new();
    let mut select = Vec::new();
    for c in stmt.columns() {
        let kind = postgres_read(c.type_().name(), c.type_modifier()).ok_or_else(|| {
            EmberError::analysis(format!("Unsupported type {} of column {}", c.type_().name(), c.name()))
        })?;
        fields.push(Field::new(c.name(), kind.data_type(), true));
        select.push(kind.select_expr(&quote(c.name())));
        kinds.push(kind);
    }
    Ok(ReadPlan { fields: Fields::from(fields), kinds, select_list: select.join(", ") })
}

fn get<'a, T: FromSql<'a>>(row: &'a postgres::Row, i: usize, url: &PostgresUrl) -> Result<Option<T>> {
    row.try_get::<_, Option<T>>(i).map_err(|e| pg_error(url, e))
}

fn push_array<'a, T: FromSql<'a>>(
    row: &'a postgres::Row,
    i: usize,
    url: &PostgresUrl,
    b: &mut ColumnBuilder,
    mut push: impl FnMut(&mut ColumnBuilder, T) -> Result<()>,
) -> Result<()> {
    match get::<Vec<Option<T>>>(row, i, url)? {
        None => b.push_null(),
        Some(values) => {
            let len = values.len();
            let e = b.element().expect("list builder");
            for v in values {
                match v {
                    None => e.push_null(),
                    Some(v) => push(e, v)?,
                }
            }
            b.end_list(len);
        }
    }
    Ok(())
}

fn push_value(
    row: &postgres::Row,
    i: usize,
    kind: &PgRead,
    url: &PostgresUrl,
    b: &mut ColumnBuilder,
    tz: &chrono_tz::Tz,
) -> Result<()> {
    use crate::types::datetime_pattern::local_to_utc;
    macro_rules! scalar {
        ($t:ty, $push:expr) => {
            match get::<$t>(row, i, url)? {
                None => b.push_null(),
                Some(v) => $push(b, v),
            }
        };
    }
    match kind {
        PgRead::Bool => scalar!(bool, |b: &mut ColumnBuilder, v| b.push_bool(v)),
        PgRead::I16 => scalar!(i16, |b: &mut ColumnBuilder, v: i16| b.push_int(v as i64)),
        PgRead::I32 => scalar!(i32, |b: &mut ColumnBuilder, v: i32| b.push_int(v as i64)),
        PgRead::I64 => scalar!(i64, |b: &mut ColumnBuilder, v: i64| b.push_int(v)),
        PgRead::F32 => match get::<f32>(row, i, url)? {
            None => b.push_null(),
            Some(v) => b.push_f64(v as f64)?,
        },
        PgRead::F64 => match get::<f64>(row, i, url)? {
            None => b.push_null(),
            Some(v) => b.push_f64(v)?,
        },
        PgRead::Bytes => scalar!(&[u8], |b: &mut ColumnBuilder, v: &[u8]| b.push_bytes(v)),
        PgRead::Date => scalar!(PgDays, |b: &mut ColumnBuilder, v: PgDays| b.push_date(v.0)),
        PgRead::TimestampTz => scalar!(PgMicros, |b: &mut ColumnBuilder, v: PgMicros| b.push_timestamp(v.0)),
        PgRead::TimestampLocal => {
            scalar!(PgMicros, |b: &mut ColumnBuilder, v: PgMicros| b.push_timestamp(local_to_utc(v.0, tz)))
        }
        PgRead::Str | PgRead::Text | PgRead::Numeric(..) => match get::<&str>(row, i, url)? {
            None => b.push_null(),
            Some(v) => b.push_str(v)?,
        },
        PgRead::Array(e) => match **e {
            PgRead::Bool => push_array::<bool>(row, i, url, b, |b, v| Ok(b.push_bool(v)))?,
            PgRead::I16 => push_array::<i16>(row, i, url, b, |b, v| Ok(b.push_int(v as i64)))?,
            PgRead::I32 => push_array::<i32>(row, i, url, b, |b, v| Ok(b.push_int(v as i64)))?,
            PgRead::I64 => push_array::<i64>(row, i, url, b, |b, v| Ok(b.push_int(v)))?,
            PgRead::F32 => push_array::<f32>(row, i, url, b, |b, v| b.push_f64(v as f64))?,
            PgRead::F64 => push_array::<f64>(row, i, url, b, |b, v| b.push_f64(v))?,
            PgRead::Bytes => push_array::<&[u8]>(row, i, url, b, |b, v| Ok(b.push_bytes(v)))?,
            PgRead::Date => push_array::<PgDays>(row, i, url, b, |b, v| Ok(b.push_date(v.0)))?,
            PgRead::TimestampTz => push_array::<PgMicros>(row, i, url, b, |b, v| Ok(b.push_timestamp(v.0)))?,
            PgRead::TimestampLocal => {
                push_array::<PgMicros>(row, i, url, b, |b, v| Ok(b.push_timestamp(local_to_utc(v.0, tz))))?
            }
            PgRead::Str | PgRead::Text | PgRead::Numeric(..) => {
                push_array::<&str>(row, i, url, b, |b, v| b.push_str(v))?
            }
            PgRead::Array(_) => b.push_null(),
        },
    }
    Ok(())
}

/// Read one partition (`clause` its WHERE condition) on its own connection, `fetchsize` rows per round trip.
pub fn read_partition(
    url: &PostgresUrl,
    opts: &JdbcOptions,
    plan: &ReadPlan,
    from: &str,
    clause: Option<&str>,
    tz: chrono_tz::Tz,
) -> Result<Vec<RecordBatch>> {
    let mut client = connect(url, opts)?;
    let select = if plan.select_list.is_empty() { "1".to_string() } else { plan.select_list.clone() };
    let sql = match clause {
        Some(w) => format!("SELECT {select} FROM {from} WHERE {w}"),
        None => format!("SELECT {select} FROM {from}"),
    };
    let chunk = if opts.fetch_size > 0 { opts.fetch_size.min(i32::MAX as i64) as i32 } else { 65_536 };
    let schema = std::sync::Arc::new(Schema::new(plan.fields.clone()));
    let mut tx = client.transaction().map_err(|e| pg_error(url, e))?;
    let portal = tx.bind(&sql, &[]).map_err(|e| pg_error(url, e))?;
    let mut out = Vec::new();
    loop {
        let rows = tx.query_portal(&portal, chunk).map_err(|e| pg_error(url, e))?;
        if rows.is_empty() {
            break;
        }
        let mut builders = plan.fields.iter().map(|f| ColumnBuilder::new(f.data_type())).collect::<Result<Vec<_>>>()?;
        for row in &rows {
            for (i, (kind, b)) in plan.kinds.iter().zip(builders.iter_mut()).enumerate() {
                push_value(row, i, kind, url, b, &tz)?;
            }
        }
        let columns = builders.iter_mut().map(|b| b.finish()).collect::<Result<Vec<_>>>()?;
        out.push(crate::types::batch::make_batch(schema.clone(), columns, rows.len())?);
        if (rows.len() as i32) < chunk {
            break;
        }
    }
    tx.commit().map_err(|e| pg_error(url, e))?;
    Ok(out)
}
