//! The engine's one error type: a PySpark exception family, Spark's error condition with its parameters, the
//! rendered message and the cause chain. `src/python/error.rs` maps it to PySpark's exception classes.
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

/// The PySpark exception family of an error; `src/python/error.rs` maps each one to a class of `ember.errors`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// `AnalysisException`: the query is invalid (unknown column, type mismatch, unsupported op).
    Analysis,
    /// `ParseException`: a SQL or DDL string does not parse.
    Parse,
    /// `IllegalArgumentException`: a bad option or argument value.
    IllegalArgument,
    /// `PySparkTypeError`: wrong Python argument type (raised from the bindings).
    Type,
    /// `PySparkValueError`.
    Value,
    /// `StreamingQueryException`: a streaming query failed.
    StreamingQuery,
    /// `SparkRuntimeException` family: a failure while running a query (malformed input in FAILFAST, …).
    Execution,
    /// `ArithmeticException`.
    Arithmetic,
    /// Operating-system I/O failure; mapped by kind (FileNotFoundError, PermissionError, …).
    Io(std::io::ErrorKind),
    /// Not (yet) supported by ember: `PySparkNotImplementedError`.
    NotImplemented,
    /// `PythonException`: a user's Python function (a UDF, mapInPandas' function) raised.
    Python,
}

/// What caused an error: another engine error or a foreign one (a Python exception, …), kept as is.
pub type Cause = Arc<dyn std::error::Error + Send + Sync>;

/// Every failure the engine reports. Boxed so `Result<T>` stays one word wide on the success path.
#[derive(Debug, Clone)]
pub struct EmberError(Box<Inner>);

#[derive(Debug, Clone)]
struct Inner {
    kind: ErrorKind,
    /// Spark's error condition (error class), e.g. `UNRESOLVED_COLUMN.WITH_SUGGESTION`.
    condition: Option<String>,
    /// The condition's message parameters, in template order.
    parameters: Vec<(String, String)>,
    /// The text shown to the user, exactly Spark's (with its `[CONDITION] ` prefix where Spark has one).
    message: String,
    cause: Option<Cause>,
}

/// The parameters of a condition that has none.
pub const NO_PARAMETERS: [(&str, &str); 0] = [];

pub type Result<T, E = EmberError> = std::result::Result<T, E>;

/// The message table shared with Python (`ember.errors` loads the same file): condition → template with `<param>`
/// placeholders, plus the SQLSTATE Spark appends to the JVM's messages.
pub const CONDITIONS_JSON: &str = include_str!("../python/ember/errors/error_conditions.json");

#[derive(serde::Deserialize)]
struct Template {
    message: String,
    #[serde(rename = "sqlState")]
    sql_state: Option<String>,
}

fn table() -> &'static HashMap<String, Template> {
    static TABLE: OnceLock<HashMap<String, Template>> = OnceLock::new();
    TABLE.get_or_init(|| serde_json::from_str(CONDITIONS_JSON).expect("error_conditions.json is valid"))
}

/// Substitute `<name>` placeholders in one pass, so a value that itself contains `<…>` (a type such as
/// `array<int>`) is never substituted again. An unknown placeholder is kept as written.
fn fill(template: &str, parameters: &[(String, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name_len =
            after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')).unwrap_or(after.len());
        let value = (after[name_len..].starts_with('>'))
            .then(|| parameters.iter().find(|(k, _)| k == &after[..name_len]))
            .flatten();
        match value {
            Some((_, v)) => {
                out.push_str(v);
                rest = &after[name_len + 1..];
            }
            None => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Spark's text for `condition` with `parameters`: `[CONDITION] message` plus ` SQLSTATE: …` where the table has
/// one. Spark's `_LEGACY_ERROR_TEMP_*` conditions keep their old text without the prefix.
pub fn render(condition: &str, parameters: &[(String, String)]) -> String {
    let Some(t) = table().get(condition) else {
        debug_assert!(false, "error condition {condition} is not in error_conditions.json");
        return format!("[{condition}]");
    };
    let text = fill(&t.message, parameters);
    let mut out = if condition.starts_with("_LEGACY_ERROR_") { text } else { format!("[{condition}] {text}") };
    if let Some(state) = &t.sql_state {
        out.push_str(" SQLSTATE: ");
        out.push_str(state);
    }
    out
}

impl EmberError {
    /// An error of `kind` with a ready message and no condition.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        EmberError(Box::new(Inner { kind, condition: None, parameters: vec![], message: message.into(), cause: None }))
    }

    /// An error of `kind` with Spark's `condition`; the message is rendered from the shared table.
    pub fn with_condition<K: Into<String>, V: ToString>(
        kind: ErrorKind,
        condition: &str,
        parameters: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let parameters: Vec<(String, String)> =
            parameters.into_iter().map(|(k, v)| (k.into(), v.to_string())).collect();
        let message = render(condition, &parameters);
        EmberError(Box::new(Inner { kind, condition: Some(condition.to_string()), parameters, message, cause: None }))
    }

    /// An error with a condition whose text is written at the call site (older sites that predate the table).
    fn classed(kind: ErrorKind, condition: &str, message: String) -> Self {
        let mut e = EmberError::new(kind, message);
        e.0.condition = Some(condition.to_string());
        e
    }

    /// AnalysisException with Spark's error class; the message gets Spark's `[CLASS] ` prefix.
    /// A Rust panic (a bug, or input nothing checked) as Spark reports its own bugs: `INTERNAL_ERROR`, so the caller
    /// gets an exception and the session lives on.
    pub fn from_panic(payload: &(dyn std::any::Any + Send)) -> Self {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "an unknown error".into());
        EmberError::with_condition(
            ErrorKind::Execution,
            "INTERNAL_ERROR",
            [("message", format!("ember failed unexpectedly: {what}"))],
        )
    }

    pub fn analysis_class(class: &str, message: impl Into<String>) -> Self {
        EmberError::classed(ErrorKind::Analysis, class, format!("[{class}] {}", message.into()))
    }
    /// AnalysisException without an error class (Spark's legacy messages, e.g. the streaming checks).
    pub fn analysis(message: impl Into<String>) -> Self {
        EmberError::new(ErrorKind::Analysis, message)
    }
    /// AnalysisException with a condition from the table.
    pub fn analysis_condition<K: Into<String>, V: ToString>(
        condition: &str,
        parameters: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        EmberError::with_condition(ErrorKind::Analysis, condition, parameters)
    }
    pub fn parse(message: impl Into<String>) -> Self {
        EmberError::new(ErrorKind::Parse, message)
    }
    pub fn parse_class(class: &str, message: impl Into<String>) -> Self {
        EmberError::classed(ErrorKind::Parse, class, format!("[{class}] {}", message.into()))
    }
    /// ParseException with a condition and a message written in full by the caller (SQL excerpts and all).
    pub fn parse_text(class: &str, message: impl Into<String>) -> Self {
        EmberError::classed(ErrorKind::Parse, class, message.into())
    }
    pub fn execution(message: impl Into<String>) -> Self {
        EmberError::new(ErrorKind::Execution, message)
    }
    pub fn execution_class(class: &str, message: impl Into<String>) -> Self {
        EmberError::classed(ErrorKind::Execution, class, format!("[{class}] {}", message.into()))
    }
    /// SparkRuntimeException family with a condition from the table.
    pub fn execution_condition<K: Into<String>, V: ToString>(
        condition: &str,
        parameters: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        EmberError::with_condition(ErrorKind::Execution, condition, parameters)
    }
    pub fn illegal_argument(message: impl Into<String>) -> Self {
        EmberError::new(ErrorKind::IllegalArgument, message)
    }
    /// IllegalArgumentException with Spark's error class but no `[CLASS]` prefix: Spark's `_LEGACY_ERROR_TEMP_*`
    /// classes keep their old message text.
    pub fn illegal_argument_class(class: &str, message: impl Into<String>) -> Self {
        EmberError::classed(ErrorKind::IllegalArgument, class, message.into())
    }
    pub fn not_implemented(message: impl Into<String>) -> Self {
        EmberError::new(ErrorKind::NotImplemented, message)
    }
    pub fn type_error(message: impl Into<String>) -> Self {
        EmberError::new(ErrorKind::Type, message)
    }
    pub fn value(message: impl Into<String>) -> Self {
        EmberError::new(ErrorKind::Value, message)
    }
    pub fn arithmetic(message: impl Into<String>) -> Self {
        EmberError::new(ErrorKind::Arithmetic, message)
    }
    pub fn streaming_query(message: impl Into<String>) -> Self {
        EmberError::new(ErrorKind::StreamingQuery, message)
    }
    pub fn io(kind: std::io::ErrorKind, message: impl Into<String>) -> Self {
        EmberError::new(ErrorKind::Io(kind), message)
    }

    /// Spark's StreamingQueryException (`STREAM_FAILED`) for the query `id`/`run_id` that stopped on `cause`
    /// (Spark's text names the ids, not the query's name); the cause is kept as the exception's cause.
    pub fn stream_failed(id: &str, run_id: &str, cause: &EmberError) -> Self {
        EmberError::with_condition(
            ErrorKind::StreamingQuery,
            "STREAM_FAILED",
            [("id", id), ("runId", run_id), ("message", cause.message_str())],
        )
        .caused_by(cause.clone())
    }

    /// The same error with `cause` as its cause (an engine error or a foreign one).
    pub fn caused_by(mut self, cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.0.cause = Some(Arc::new(cause));
        self
    }
    /// The same error with an already shared cause.
    pub fn caused_by_shared(mut self, cause: Cause) -> Self {
        self.0.cause = Some(cause);
        self
    }

    /// The same error with its message changed by `f` (condition, parameters and cause kept).
    pub fn map_message(mut self, f: impl FnOnce(String) -> String) -> Self {
        self.0.message = f(std::mem::take(&mut self.0.message));
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }
    /// The message text as shown to the user.
    pub fn message(&self) -> String {
        self.0.message.clone()
    }
    /// The message text, borrowed.
    pub fn message_str(&self) -> &str {
        &self.0.message
    }
    /// Spark's error condition, where the error has one.
    pub fn condition(&self) -> Option<&str> {
        self.0.condition.as_deref()
    }
    /// Spark's error class (the older name of the condition).
    pub fn error_class(&self) -> Option<&str> {
        self.condition()
    }
    /// The condition's message parameters, in order.
    pub fn parameters(&self) -> &[(String, String)] {
        &self.0.parameters
    }
    /// The direct cause, if any.
    pub fn cause(&self) -> Option<&Cause> {
        self.0.cause.as_ref()
    }
}

impl fmt::Display for EmberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for EmberError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.cause.as_deref().map(|c| c as &(dyn std::error::Error + 'static))
    }
}

impl From<arrow::error::ArrowError> for EmberError {
    fn from(e: arrow::error::ArrowError) -> Self {
        match e {
            arrow::error::ArrowError::IoError(msg, err) => EmberError::io(err.kind(), msg),
            arrow::error::ArrowError::DivideByZero => EmberError::arithmetic("Division by zero"),
            other => EmberError::execution(other.to_string()),
        }
    }
}

impl From<std::io::Error> for EmberError {
    fn from(e: std::io::Error) -> Self {
        EmberError::io(e.kind(), e.to_string())
    }
}

impl From<parquet::errors::ParquetError> for EmberError {
    fn from(e: parquet::errors::ParquetError) -> Self {
        EmberError::execution(e.to_string())
    }
}

impl From<serde_json::Error> for EmberError {
    fn from(e: serde_json::Error) -> Self {
        EmberError::execution(format!("JSON error: {e}"))
    }
}

/// Early-return an AnalysisException with Spark's error class: `analysis_bail!("CLASS", "fmt {}", x)`.
#[macro_export]
macro_rules! analysis_bail {
    ($class:expr, $($arg:tt)*) => {
        return Err($crate::error::EmberError::analysis_class($class, format!($($arg)*)))
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn renders_from_the_table_with_sqlstate() {
        let e = EmberError::analysis_condition("PATH_NOT_FOUND", [("path", "file:/nope")]);
        assert_eq!(e.message(), "[PATH_NOT_FOUND] Path does not exist: file:/nope. SQLSTATE: 42K03");
        assert_eq!(e.condition(), Some("PATH_NOT_FOUND"));
        assert_eq!(e.parameters(), &[("path".to_string(), "file:/nope".to_string())]);
        assert_eq!(e.kind(), ErrorKind::Analysis);
    }

    #[test]
    fn parameters_fill_in_one_pass_and_keep_their_order() {
        let params = vec![("a".to_string(), "<b>".to_string()), ("b".to_string(), "array<int>".to_string())];
        assert_eq!(fill("x <a> y <b> <c> 1 < 2", &params), "x <b> y array<int> <c> 1 < 2");
        let e = EmberError::with_condition(
            ErrorKind::Analysis,
            "UNRESOLVED_COLUMN.WITH_SUGGESTION",
            [("objectName", "`z`"), ("proposal", "`a`, `b`")],
        );
        let names: Vec<&str> = e.parameters().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["objectName", "proposal"]);
        assert!(e.message().starts_with("[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with name `z` cannot be resolved. Did you mean one of the following? [`a`, `b`]."));
    }

    #[test]
    fn legacy_conditions_keep_their_text_without_prefix() {
        let e = EmberError::with_condition(ErrorKind::IllegalArgument, "_LEGACY_ERROR_TEMP_2048", [("path", "/x")]);
        assert!(!e.message().starts_with('['));
        assert_eq!(e.condition(), Some("_LEGACY_ERROR_TEMP_2048"));
    }

    #[test]
    fn legacy_constructors_keep_their_text() {
        assert_eq!(EmberError::analysis_class("X_Y", "text").message(), "[X_Y] text");
        assert_eq!(EmberError::analysis_class("X_Y", "text").condition(), Some("X_Y"));
        assert_eq!(EmberError::illegal_argument_class("_LEGACY_ERROR_TEMP_1", "t").message(), "t");
        assert_eq!(EmberError::execution("plain").condition(), None);
    }

    #[test]
    fn stream_failed_keeps_the_cause_chain() {
        #[derive(Debug)]
        struct Foreign;
        impl fmt::Display for Foreign {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("ZeroDivisionError: division by zero")
            }
        }
        impl std::error::Error for Foreign {}
        let inner = EmberError::streaming_query("ZeroDivisionError: division by zero\ntb").caused_by(Foreign);
        let e = EmberError::stream_failed("1", "2", &inner);
        assert_eq!(
            e.message(),
            "[STREAM_FAILED] Query [id = 1, runId = 2] terminated with exception: ZeroDivisionError: division by \
             zero\ntb SQLSTATE: XXKST"
        );
        assert_eq!(e.condition(), Some("STREAM_FAILED"));
        assert_eq!(e.kind(), ErrorKind::StreamingQuery);
        let cause = e.source().unwrap().downcast_ref::<EmberError>().unwrap();
        assert_eq!(cause.message(), inner.message());
        let root = cause.source().unwrap();
        assert!(root.downcast_ref::<Foreign>().is_some());
        assert_eq!(root.to_string(), "ZeroDivisionError: division by zero");
    }

    #[test]
    fn every_table_entry_is_well_formed() {
        for (condition, t) in table() {
            assert!(
                condition.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '.'),
                "{condition}"
            );
            assert!(!t.message.is_empty(), "{condition}");
            if let Some(s) = &t.sql_state {
                assert_eq!(s.len(), 5, "{condition}");
            }
        }
    }
}
