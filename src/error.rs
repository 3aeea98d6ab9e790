//! The engine's one error type; `src/python/error.rs` maps each variant to PySpark's exception class.
use std::fmt;

/// Every failure the engine reports. Variants follow PySpark's exception classes so the bindings can map them
/// one to one; `message` holds Spark's text (with its `[ERROR_CLASS]` prefix where Spark has one).
#[derive(Debug, Clone)]
pub enum EmberError {
    /// `pyspark.errors.AnalysisException`: the query is invalid (unknown column, type mismatch, unsupported op).
    Analysis { error_class: Option<String>, message: String },
    /// `pyspark.errors.ParseException`: a SQL or DDL string does not parse.
    Parse { error_class: Option<String>, message: String },
    /// `pyspark.errors.IllegalArgumentException`: a bad option or argument value.
    IllegalArgument { error_class: Option<String>, message: String },
    /// `pyspark.errors.PySparkTypeError`: wrong Python argument type (raised from the bindings).
    Type(String),
    /// `pyspark.errors.PySparkValueError`.
    Value(String),
    /// `pyspark.errors.StreamingQueryException`: a streaming query failed.
    StreamingQuery(String),
    /// `pyspark.errors.SparkRuntimeException` family: a failure while running a query (malformed input in FAILFAST, …).
    Execution { error_class: Option<String>, message: String },
    /// `pyspark.errors.ArithmeticException`.
    Arithmetic(String),
    /// Operating-system I/O failure; mapped by kind (FileNotFoundError, PermissionError, …).
    Io { kind: std::io::ErrorKind, message: String },
    /// Not (yet) supported by ember: `pyspark.errors.PySparkNotImplementedError`.
    NotImplemented(String),
}

pub type Result<T, E = EmberError> = std::result::Result<T, E>;

impl EmberError {
    /// AnalysisException with Spark's error class; the message gets Spark's `[CLASS] ` prefix.
    pub fn analysis_class(class: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        EmberError::Analysis { error_class: Some(class.to_string()), message: format!("[{class}] {message}") }
    }
    /// AnalysisException without an error class (Spark's legacy messages, e.g. the streaming checks).
    pub fn analysis(message: impl Into<String>) -> Self {
        EmberError::Analysis { error_class: None, message: message.into() }
    }
    pub fn parse(message: impl Into<String>) -> Self {
        EmberError::Parse { error_class: None, message: message.into() }
    }
    pub fn parse_class(class: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        EmberError::Parse { error_class: Some(class.to_string()), message: format!("[{class}] {message}") }
    }
    pub fn execution(message: impl Into<String>) -> Self {
        EmberError::Execution { error_class: None, message: message.into() }
    }
    pub fn execution_class(class: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        EmberError::Execution { error_class: Some(class.to_string()), message: format!("[{class}] {message}") }
    }
    pub fn illegal_argument(message: impl Into<String>) -> Self {
        EmberError::IllegalArgument { error_class: None, message: message.into() }
    }
    /// IllegalArgumentException with Spark's error class but no `[CLASS]` prefix: Spark's `_LEGACY_ERROR_TEMP_*`
    /// classes keep their old message text.
    pub fn illegal_argument_class(class: &str, message: impl Into<String>) -> Self {
        EmberError::IllegalArgument { error_class: Some(class.to_string()), message: message.into() }
    }
    pub fn not_implemented(message: impl Into<String>) -> Self {
        EmberError::NotImplemented(message.into())
    }
    /// The message text as shown to the user.
    pub fn message(&self) -> String {
        match self {
            EmberError::Analysis { message, .. }
            | EmberError::Parse { message, .. }
            | EmberError::Execution { message, .. }
            | EmberError::IllegalArgument { message, .. }
            | EmberError::Io { message, .. } => message.clone(),
            EmberError::Type(m)
            | EmberError::Value(m)
            | EmberError::StreamingQuery(m)
            | EmberError::Arithmetic(m)
            | EmberError::NotImplemented(m) => m.clone(),
        }
    }
    /// Spark's error class, where the error has one.
    pub fn error_class(&self) -> Option<&str> {
        match self {
            EmberError::Analysis { error_class, .. }
            | EmberError::Parse { error_class, .. }
            | EmberError::IllegalArgument { error_class, .. }
            | EmberError::Execution { error_class, .. } => error_class.as_deref(),
            EmberError::StreamingQuery(m) if m.starts_with("[STREAM_FAILED]") => Some("STREAM_FAILED"),
            _ => None,
        }
    }
}

impl fmt::Display for EmberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for EmberError {}

impl From<arrow::error::ArrowError> for EmberError {
    fn from(e: arrow::error::ArrowError) -> Self {
        match e {
            arrow::error::ArrowError::IoError(msg, err) => EmberError::Io { kind: err.kind(), message: msg },
            arrow::error::ArrowError::DivideByZero => EmberError::Arithmetic("Division by zero".into()),
            other => EmberError::execution(other.to_string()),
        }
    }
}

impl From<std::io::Error> for EmberError {
    fn from(e: std::io::Error) -> Self {
        EmberError::Io { kind: e.kind(), message: e.to_string() }
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
