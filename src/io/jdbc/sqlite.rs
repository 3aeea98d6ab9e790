//! SQLite (`jdbc:sqlite:path`) through rusqlite: the save modes with Spark's common JDBC types, rows inserted by
//! one prepared statement in one transaction, and reads typed by the columns' declared types. Dates are stored
//! as `YYYY-MM-DD` text, timestamps as UTC `YYYY-MM-DD HH:MM:SS.ffffff` text and decimals as text, so every value
//! reads back exactly.
use arrow::array::{
    Array, BinaryArray, BooleanArray, Date32Array, Decimal128Array, Float32Array, Float64Array, Int16Array, Int32Array,
    Int64Array, Int8Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags};

use crate::error::{EmberError, Result};
use crate::io::jdbc::columns::ColumnBuilder;
use crate::io::jdbc::options::JdbcOptions;
use crate::io::jdbc::SaveMode;

fn sqlite_error(e: rusqlite::Error) -> EmberError {
    EmberError::execution(format!("[SQLITE_ERROR] SQL error or missing database ({e})"))
}

fn connect(path: &str, opts: &JdbcOptions, create: bool) -> Result<Connection> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| EmberError::execution(format!("Cannot open SQLite database {path}: {e}")))?;
    conn.busy_timeout(std::time::Duration::from_secs(30)).map_err(sqlite_error)?;
    if let Some(stmt) = &opts.session_init_statement {
        conn.execute_batch(stmt).map_err(sqlite_error)?;
    }
    Ok(conn)
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn table_exists(conn: &Connection, table: &str) -> bool {
    conn.prepare(&format!("SELECT 1 FROM {table} WHERE 1=0")).is_ok()
}

fn create_table_sql(table: &str, schema: &Schema, opts: &JdbcOptions) -> Result<String> {
    let mut cols = Vec::new();
    for f in schema.fields() {
        let ty = crate::io::jdbc::types::common_column_type(f.data_type())?;
        let not_null = if f.is_nullable() { "" } else { " NOT NULL" };
        cols.push(format!("{} {ty}{not_null}", quote(f.name())));
    }
    Ok(format!("CREATE TABLE {table} ({}) {}", cols.join(", "), opts.create_table_options).trim_end().to_string())
}

/// One value of an Arrow column as SQLite stores it.
fn value<'a>(a: &'a dyn Array, row: usize, text: &'a mut String) -> ToSqlOutput<'a> {
    use crate::types::datetime_pattern::{write_date_default, write_local_timestamp_default};
    if a.is_null(row) {
        return ToSqlOutput::Borrowed(ValueRef::Null);
    }
    let any = a.as_any();
    let v = match a.data_type() {
        DataType::Boolean => ValueRef::Integer(any.downcast_ref::<BooleanArray>().unwrap().value(row) as i64),
        DataType::Int8 => ValueRef::Integer(any.downcast_ref::<Int8Array>().unwrap().value(row) as i64),
        DataType::Int16 => ValueRef::Integer(any.downcast_ref::<Int16Array>().unwrap().value(row) as i64),
        DataType::Int32 => ValueRef::Integer(any.downcast_ref::<Int32Array>().unwrap().value(row) as i64),
        DataType::Int64 => ValueRef::Integer(any.downcast_ref::<Int64Array>().unwrap().value(row)),
        DataType::Float32 => ValueRef::Real(any.downcast_ref::<Float32Array>().unwrap().value(row) as f64),
        DataType::Float64 => ValueRef::Real(any.downcast_ref::<Float64Array>().unwrap().value(row)),
        DataType::Utf8 => ValueRef::Text(any.downcast_ref::<StringArray>().unwrap().value(row).as_bytes()),
        DataType::Binary => ValueRef::Blob(any.downcast_ref::<BinaryArray>().unwrap().value(row)),
        DataType::Date32 => {
            text.clear();
            write_date_default(text, any.downcast_ref::<Date32Array>().unwrap().value(row) as i64);
            ValueRef::Text(text.as_bytes())
        }
        DataType::Timestamp(..) => {
            text.clear();
            write_local_timestamp_default(text, any.downcast_ref::<TimestampMicrosecondArray>().unwrap().value(row));
            ValueRef::Text(text.as_bytes())
        }
        DataType::Decimal128(..) => {
            text.clear();
            let d = any.downcast_ref::<Decimal128Array>().unwrap();
            text.push_str(&d.value_as_string(row));
            ValueRef::Text(text.as_bytes())
        }
        _ => ValueRef::Null,
    };
    ToSqlOutput::Borrowed(v)
}

/// `df.write.format("jdbc")` to SQLite: the save mode's statements and the inserts in one transaction.
pub fn write(
    path: &str,
    opts: &JdbcOptions,
    mode: SaveMode,
    schema: &SchemaRef,
    batches: &[RecordBatch],
) -> Result<()> {
    for f in schema.fields() {
        crate::io::jdbc::types::common_column_type(f.data_type())?;
    }
    let mut conn = connect(path, opts, true)?;
    let table = opts.table();
    let exists = table_exists(&conn, table);
    if exists {
        match mode {
            SaveMode::ErrorIfExists => {
                return Err(EmberError::analysis_condition("_LEGACY_ERROR_TEMP_1288", [("name", table)]))
            }
            SaveMode::Ignore => return Ok(()),
            _ => {}
        }
    }
    let tx = conn.transaction().map_err(sqlite_error)?;
    if !exists {
        tx.execute_batch(&create_table_sql(table, schema, opts)?).map_err(sqlite_error)?;
    } else if mode == SaveMode::Overwrite {
        // Spark's default dialect does not know whether TRUNCATE cascades, so overwrite always drops and creates.
        tx.execute_batch(&format!("DROP TABLE {table}")).map_err(sqlite_error)?;
        tx.execute_batch(&create_table_sql(table, schema, opts)?).map_err(sqlite_error)?;
    }
    {
        let names: Vec<String> = schema.fields().iter().map(|f| quote(f.name())).collect();
        let marks = vec!["?"; names.len()].join(", ");
        let mut stmt = tx
            .prepare(&format!("INSERT INTO {table} ({}) VALUES ({marks})", names.join(", ")))
            .map_err(sqlite_error)?;
        let mut text = vec![String::new(); names.len()];
        for batch in batches {
            for row in 0..batch.num_rows() {
                for (i, col) in batch.columns().iter().enumerate() {
                    let v = value(col.as_ref(), row, &mut text[i]);
                    stmt.raw_bind_parameter(i + 1, v).map_err(sqlite_error)?;
                }
                stmt.raw_execute().map_err(sqlite_error)?;
            }
        }
    }
    tx.commit().map_err(sqlite_error)
}

/// Read `from` (a table or an aliased subquery) from SQLite, each partition's WHERE clause in turn.
pub fn read(
    path: &str,
    opts: &JdbcOptions,
    from: &str,
    clauses: &[Option<String>],
) -> Result<(Fields, Vec<RecordBatch>)> {
    if !std::path::Path::new(path).exists() {
        return Err(EmberError::execution(format!("[SQLITE_CANTOPEN] Unable to open the database file ({path})")));
    }
    let conn = connect(path, opts, false)?;
    let probe = conn.prepare(&format!("SELECT * FROM {from} WHERE 1=0")).map_err(sqlite_error)?;
    let fields: Fields = probe
        .columns()
        .iter()
        .map(|c| Field::new(c.name(), crate::io::jdbc::types::sqlite_read(c.decl_type()), true))
        .collect();
    drop(probe);
    let schema = std::sync::Arc::new(Schema::new(fields.clone()));
    let mut out = Vec::new();
    for clause in clauses {
        let sql = match clause {
            Some(w) => format!("SELECT * FROM {from} WHERE {w}"),
            None => format!("SELECT * FROM {from}"),
        };
        let mut stmt = conn.prepare(&sql).map_err(sqlite_error)?;
        let mut builders = fields.iter().map(|f| ColumnBuilder::new(f.data_type())).collect::<Result<Vec<_>>>()?;
        let mut rows = stmt.query([]).map_err(sqlite_error)?;
        let mut n = 0;
        while let Some(row) = rows.next().map_err(sqlite_error)? {
            for (i, b) in builders.iter_mut().enumerate() {
                match row.get_ref(i).map_err(sqlite_error)? {
                    ValueRef::Null => b.push_null(),
                    ValueRef::Integer(v) => b.push_int(v),
                    ValueRef::Real(v) => b.push_f64(v)?,
                    ValueRef::Text(t) => {
                        let t = std::str::from_utf8(t).map_err(|e| EmberError::execution(e.to_string()))?;
                        b.push_str(t)?
                    }
                    ValueRef::Blob(v) => b.push_bytes(v),
                }
            }
            n += 1;
        }
        let columns = builders.iter_mut().map(|b| b.finish()).collect::<Result<Vec<_>>>()?;
        out.push(crate::types::batch::make_batch(schema.clone(), columns, n)?);
    }
    Ok((fields, out))
}
