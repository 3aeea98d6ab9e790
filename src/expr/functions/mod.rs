//! The function table: every function callable by name from `ember.sql.functions`, `expr()` and `spark.sql`.
//!
//! A function is scalar (row to row), aggregate (rows of a group to one value) or a generator (row to rows, e.g.
//! `explode`). Each family registers its functions from its own file; `registry()` builds the table once.
pub mod aggregate;
pub mod collection;
pub mod datetime;
pub mod generator;
pub mod hash;
pub mod json;
pub mod math;
pub mod misc;
pub mod string;
pub mod user_defined;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use arrow::array::ArrayRef;
use arrow::datatypes::DataType;

use crate::context::EvalContext;
use crate::error::Result;
use crate::expr::physical::ColumnarValue;

/// What resolution knows about one argument.
#[derive(Debug, Clone)]
pub struct ArgInfo {
    pub data_type: DataType,
    pub nullable: bool,
    /// The value, when the argument is a literal (format patterns, JSON schemas, field names …).
    pub literal: Option<ArrayRef>,
    /// The argument as Spark prints it in generated column names.
    pub sql: String,
}

/// The outcome of resolving a call: the types the arguments are cast to, and the result.
#[derive(Debug, Clone)]
pub struct Signature {
    /// One entry per argument: the type it is implicitly cast to before `invoke` (Spark's ImplicitTypeCasts).
    pub arg_types: Vec<DataType>,
    pub return_type: DataType,
    pub nullable: bool,
}

/// A row-to-row function.
pub trait ScalarFunction: Send + Sync {
    fn name(&self) -> &str;
    /// Check the arguments (Spark's `DATATYPE_MISMATCH`/`WRONG_NUM_ARGS` errors) and decide the implicit casts and
    /// the return type.
    fn resolve(&self, args: &[ArgInfo]) -> Result<Signature>;
    /// Compute the result; arguments arrive cast to `Signature::arg_types`. `num_rows` is the batch length.
    fn invoke(&self, args: &[ColumnarValue], num_rows: usize, ctx: &EvalContext) -> Result<ColumnarValue>;
    /// The generated column name (`upper(name)`); default `name(arg, …)`.
    fn display_name(&self, args: &[String]) -> String {
        format!("{}({})", self.name(), args.join(", "))
    }
    /// False for `rand`, `monotonically_increasing_id`, `current_timestamp` …: not folded to a constant.
    fn deterministic(&self) -> bool {
        true
    }
    /// A user-defined function that aggregates (pandas_udf GROUPED_AGG) answers its aggregate here.
    fn as_aggregate(&self) -> Option<Arc<dyn AggregateFunction>> {
        None
    }
}

/// Per-group state of an aggregate across batches; keyed by dense group indices.
pub trait GroupsAccumulator: Send {
    /// Fold `values` (the arguments, one array each) into groups: row `i` goes to group `group_indices[i]`.
    /// `total_groups` is the number of groups known so far (grow internal vectors to it).
    fn update_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()>;
    /// Intermediate state, one array per state field, one row per group (to merge partial results or to checkpoint).
    fn state(&mut self) -> Result<Vec<ArrayRef>>;
    /// Merge another accumulator's `state()` arrays: row `i` merges into group `group_indices[i]`.
    fn merge_batch(&mut self, states: &[ArrayRef], group_indices: &[usize], total_groups: usize) -> Result<()>;
    /// Final value per group, one row per group.
    fn evaluate(&mut self) -> Result<ArrayRef>;
}

/// A rows-to-one-value function (`count`, `sum`, `collect_list`, …).
pub trait AggregateFunction: Send + Sync {
    fn name(&self) -> &str;
    /// Check arguments and decide implicit casts, result type and nullability. `distinct` is the `DISTINCT` flag.
    fn resolve(&self, args: &[ArgInfo], distinct: bool) -> Result<Signature>;
    /// Types of the intermediate state arrays for the given resolved signature.
    fn state_types(&self, sig: &Signature) -> Vec<DataType>;
    fn create_accumulator(&self, sig: &Signature, distinct: bool) -> Result<Box<dyn GroupsAccumulator>>;
    /// A Python aggregate (pandas_udf GROUPED_AGG): Spark runs those in a separate operator with its own rules.
    fn runs_in_python(&self) -> bool {
        false
    }
    /// The generated column name (`count(1)`, `avg(x)`, `count(DISTINCT x)`).
    fn display_name(&self, args: &[String], distinct: bool) -> String {
        let d = if distinct { "DISTINCT " } else { "" };
        format!("{}({d}{})", self.name(), args.join(", "))
    }
}

/// A row-to-rows function (`explode`, `posexplode`, `json_tuple`, …), run by the Generate operator.
pub trait GeneratorFunction: Send + Sync {
    fn name(&self) -> &str;
    /// Output columns (name, type, nullable) for these arguments; `outer` for the `_outer` variants.
    fn output_fields(&self, args: &[ArgInfo]) -> Result<Vec<arrow::datatypes::Field>>;
    /// For each input row, the produced rows: returns (input row index per output row, output columns).
    fn generate(&self, args: &[ArrayRef], outer: bool) -> Result<(Vec<u32>, Vec<ArrayRef>)>;
}

/// One entry in the function table.
#[derive(Clone)]
pub enum FunctionDef {
    Scalar(Arc<dyn ScalarFunction>),
    Aggregate(Arc<dyn AggregateFunction>),
    Generator { func: Arc<dyn GeneratorFunction>, outer: bool },
}

impl fmt::Debug for FunctionDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FunctionDef::Scalar(s) => write!(f, "Scalar({})", s.name()),
            FunctionDef::Aggregate(a) => write!(f, "Aggregate({})", a.name()),
            FunctionDef::Generator { func, outer } => write!(f, "Generator({}, outer={outer})", func.name()),
        }
    }
}

/// Name (lower case) → definition.
#[derive(Default)]
pub struct FunctionRegistry {
    functions: HashMap<String, FunctionDef>,
}

impl FunctionRegistry {
    pub fn scalar(&mut self, f: impl ScalarFunction + 'static) {
        let f: Arc<dyn ScalarFunction> = Arc::new(f);
        self.functions.insert(f.name().to_lowercase(), FunctionDef::Scalar(f));
    }
    pub fn aggregate(&mut self, f: impl AggregateFunction + 'static) {
        let f: Arc<dyn AggregateFunction> = Arc::new(f);
        self.functions.insert(f.name().to_lowercase(), FunctionDef::Aggregate(f));
    }
    pub fn generator(&mut self, name: &str, f: Arc<dyn GeneratorFunction>, outer: bool) {
        self.functions.insert(name.to_lowercase(), FunctionDef::Generator { func: f, outer });
    }
    /// Register `alias` as another name of the already-registered `name`.
    pub fn alias(&mut self, alias: &str, name: &str) {
        if let Some(def) = self.functions.get(&name.to_lowercase()).cloned() {
            self.functions.insert(alias.to_lowercase(), def);
        }
    }
    pub fn get(&self, name: &str) -> Option<&FunctionDef> {
        self.functions.get(&name.to_lowercase())
    }
    pub fn names(&self) -> impl Iterator<Item = &String> {
        self.functions.keys()
    }
}

/// The process-wide function table.
pub fn registry() -> &'static FunctionRegistry {
    static REGISTRY: OnceLock<FunctionRegistry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut r = FunctionRegistry::default();
        aggregate::register(&mut r);
        collection::register(&mut r);
        datetime::register(&mut r);
        generator::register(&mut r);
        hash::register(&mut r);
        json::register(&mut r);
        math::register(&mut r);
        misc::register(&mut r);
        string::register(&mut r);
        r
    })
}

/// A scalar function from closures: most functions need nothing more.
pub struct SimpleScalar {
    pub name: &'static str,
    pub resolve: Box<dyn Fn(&[ArgInfo]) -> Result<Signature> + Send + Sync>,
    pub invoke: Box<dyn Fn(&[ColumnarValue], usize, &EvalContext) -> Result<ColumnarValue> + Send + Sync>,
    pub deterministic: bool,
}

impl ScalarFunction for SimpleScalar {
    fn name(&self) -> &str {
        self.name
    }
    fn resolve(&self, args: &[ArgInfo]) -> Result<Signature> {
        (self.resolve)(args)
    }
    fn invoke(&self, args: &[ColumnarValue], num_rows: usize, ctx: &EvalContext) -> Result<ColumnarValue> {
        (self.invoke)(args, num_rows, ctx)
    }
    fn deterministic(&self) -> bool {
        self.deterministic
    }
}

/// Spark's `[WRONG_NUM_ARGS.WITHOUT_SUGGESTION]` error when the argument count is outside `min..=max`.
pub fn check_arg_count(name: &str, args: &[ArgInfo], min: usize, max: usize) -> Result<()> {
    if args.len() < min || args.len() > max {
        let expected = if min == max {
            format!("{min}")
        } else if max == usize::MAX {
            format!("> {}", min - 1)
        } else {
            format!("[{min}, {max}]")
        };
        return Err(crate::error::EmberError::analysis_condition(
            "WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
            [("functionName", format!("`{name}`")), ("expectedNum", expected), ("actualNum", args.len().to_string())],
        ));
    }
    Ok(())
}
