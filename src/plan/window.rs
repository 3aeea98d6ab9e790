//! Window functions (`F.rank().over(w)`, SQL `OVER (...)`): a select's window expressions are taken out into a
//! `Window` node that appends one column per call (resolved here: function, partitioning, ordering, frame), and
//! the select reads those columns.
use std::sync::Arc;

use arrow::array::Array;
use arrow::datatypes::{DataType, Field};

use crate::error::{EmberError, Result};
use crate::expr::expr::{Expr, FrameBound, WindowExpr, WindowFrame};
use crate::expr::functions::{registry, FunctionDef};
use crate::expr::physical::{PhysicalExpr, PhysicalKind};
use crate::expr::resolve::{cast_to, display_name, Resolver};
use crate::expr::schema::{Attr, PlanSchema};
use crate::plan::{AggregateCall, LogicalPlan, PlanNode, SortKey};

/// What a window call computes.
#[derive(Clone)]
pub enum WindowFunction {
    RowNumber,
    Rank,
    DenseRank,
    PercentRank,
    CumeDist,
    Ntile(i64),
    /// `lag(x, n, default)` with offset n; `lead` is a negative offset.
    Offset {
        value: PhysicalExpr,
        offset: i64,
        default: Option<PhysicalExpr>,
    },
    NthValue {
        value: PhysicalExpr,
        n: i64,
        ignore_nulls: bool,
    },
    /// Any aggregate function over the frame.
    Aggregate(AggregateCall),
}

/// One window column: the function, its partitioning and ordering, and its frame (defaults made explicit).
#[derive(Clone)]
pub struct WindowCall {
    pub function: WindowFunction,
    pub partition_by: Vec<PhysicalExpr>,
    pub order_by: Vec<SortKey>,
    pub frame: WindowFrame,
    /// The function and the specification as Spark prints them (column names, streaming's error).
    pub function_sql: String,
    pub spec_sql: String,
    /// The name the user gave the column (an alias), else the generated one.
    pub column_name: String,
}

/// Whether `e` has a window expression anywhere.
pub fn contains_window(e: &Expr) -> bool {
    let mut found = false;
    e.walk(&mut |x| found |= matches!(x, Expr::Window(_)));
    found
}

fn literal_i64(e: &PhysicalExpr) -> Option<i64> {
    match &e.kind {
        PhysicalKind::Literal(a) => {
            let c = arrow::compute::cast(a, &DataType::Int64).ok()?;
            let v = arrow::array::as_primitive_array::<arrow::datatypes::Int64Type>(&c);
            (!v.is_null(0)).then(|| v.value(0))
        }
        _ => None,
    }
}

fn literal_bool(e: &PhysicalExpr) -> Option<bool> {
    match &e.kind {
        PhysicalKind::Literal(a) => {
            a.as_any().downcast_ref::<arrow::array::BooleanArray>().and_then(|b| (!b.is_null(0)).then(|| b.value(0)))
        }
        _ => None,
    }
}

fn bound_sql(b: FrameBound) -> String {
    match b {
        FrameBound::UnboundedPreceding => "UNBOUNDED PRECEDING".into(),
        FrameBound::UnboundedFollowing => "UNBOUNDED FOLLOWING".into(),
        FrameBound::Offset(0) => "CURRENT ROW".into(),
        // Spark prints a preceding offset as a negative FOLLOWING one.
        FrameBound::Offset(k) => format!("{k} FOLLOWING"),
    }
}

fn frame_sql(f: &WindowFrame) -> String {
    format!("{} BETWEEN {} AND {}", if f.rows { "ROWS" } else { "RANGE" }, bound_sql(f.start), bound_sql(f.end))
}

fn invalid(message: String) -> EmberError {
    EmberError::analysis_class("UNSUPPORTED_EXPR_FOR_WINDOW", message)
}

/// Resolve one window expression against the select's input.
fn resolve_call(
    input: &LogicalPlan,
    w: &WindowExpr,
    column_name: Option<&str>,
    case_sensitive: bool,
) -> Result<WindowCall> {
    let mut r = Resolver::new(&input.schema, case_sensitive);
    let partition_by = w.partition_by.iter().map(|e| r.resolve(e)).collect::<Result<Vec<_>>>()?;
    let order_by = w
        .order_by
        .iter()
        .map(|e| {
            let (inner, ascending, nulls_first) = match e {
                Expr::Sort { expr, ascending, nulls_first } => (&**expr, *ascending, *nulls_first),
                other => (other, true, true),
            };
            Ok(SortKey { expr: r.resolve(inner)?, ascending, nulls_first })
        })
        .collect::<Result<Vec<_>>>()?;
    let Expr::Function { name, args, distinct } = &w.function else {
        return Err(invalid(format!(
            "Expression \"{}\" not supported within a window function. SQLSTATE: 42P20",
            display_name(&w.function)
        )));
    };
    let lname = name.to_ascii_lowercase();
    let resolved = args.iter().map(|a| r.resolve(a)).collect::<Result<Vec<_>>>()?;
    let args_sql: Vec<String> = args.iter().map(display_name).collect();
    let ranking = matches!(
        lname.as_str(),
        "row_number" | "rank" | "dense_rank" | "percent_rank" | "cume_dist" | "ntile" | "lag" | "lead"
    );
    if ranking && order_by.is_empty() {
        return Err(EmberError::analysis_class(
            "WINDOW_FUNCTION_WITHOUT_ORDER",
            format!(
                "Window function {lname}({}) requires an OVER clause with a non-empty ORDER BY. SQLSTATE: 42P20",
                args_sql.join(", ")
            ),
        ));
    }
    let arg = |i: usize| resolved.get(i).cloned();
    let (function, function_sql) = match lname.as_str() {
        "row_number" => (WindowFunction::RowNumber, "row_number()".to_string()),
        "rank" => (WindowFunction::Rank, "RANK()".to_string()),
        "dense_rank" => (WindowFunction::DenseRank, "DENSE_RANK()".to_string()),
        "percent_rank" => (WindowFunction::PercentRank, "PERCENT_RANK()".to_string()),
        "cume_dist" => (WindowFunction::CumeDist, "cume_dist()".to_string()),
        "ntile" => {
            let n = arg(0).as_ref().and_then(literal_i64).filter(|n| *n > 0).ok_or_else(|| {
                invalid("ntile needs a positive integer literal number of buckets. SQLSTATE: 42P20".into())
            })?;
            (WindowFunction::Ntile(n), format!("ntile({n})"))
        }
        "lag" | "lead" => {
            let value = arg(0).ok_or_else(|| invalid(format!("{lname} needs a column. SQLSTATE: 42P20")))?;
            let offset = match arg(1) {
                Some(o) => literal_i64(&o)
                    .ok_or_else(|| invalid(format!("{lname}'s offset must be a literal. SQLSTATE: 42P20")))?,
                None => 1,
            };
            let default =
                arg(2).filter(|d| !matches!(d.data_type, DataType::Null)).map(|d| cast_to(d, &value.data_type));
            let d_sql = args_sql.get(2).cloned().unwrap_or_else(|| "NULL".into());
            let sql = format!("{lname}({}, {offset}, {d_sql})", args_sql[0]);
            (WindowFunction::Offset { value, offset: if lname == "lag" { offset } else { -offset }, default }, sql)
        }
        "nth_value" => {
            let value = arg(0).ok_or_else(|| invalid("nth_value needs a column. SQLSTATE: 42P20".into()))?;
            let n =
                arg(1).as_ref().and_then(literal_i64).filter(|n| *n > 0).ok_or_else(|| {
                    invalid("nth_value needs a positive integer literal offset. SQLSTATE: 42P20".into())
                })?;
            let ignore_nulls = arg(2).as_ref().and_then(literal_bool).unwrap_or(false);
            let sql = format!("nth_value({}, {n}){}", args_sql[0], if ignore_nulls { " ignore nulls" } else { "" });
            (WindowFunction::NthValue { value, n, ignore_nulls }, sql)
        }
        _ => match registry().get(name).cloned() {
            Some(FunctionDef::Aggregate(func)) => {
                let infos = resolved
                    .iter()
                    .zip(&args_sql)
                    .map(|(p, sql)| crate::expr::functions::ArgInfo {
                        data_type: p.data_type.clone(),
                        nullable: p.nullable,
                        literal: match &p.kind {
                            PhysicalKind::Literal(l) => Some(l.clone()),
                            _ => None,
                        },
                        sql: sql.clone(),
                    })
                    .collect::<Vec<_>>();
                let signature = func.resolve(&infos, *distinct)?;
                let cast_args = resolved.into_iter().zip(&signature.arg_types).map(|(a, t)| cast_to(a, t)).collect();
                let sql = func.display_name(&args_sql, *distinct);
                (
                    WindowFunction::Aggregate(AggregateCall { func, args: cast_args, signature, distinct: *distinct }),
                    sql,
                )
            }
            _ => {
                return Err(invalid(format!(
                    "Expression \"{}\" not supported within a window function. SQLSTATE: 42P20",
                    display_name(&w.function)
                )))
            }
        },
    };
    let whole = WindowFrame { rows: true, start: FrameBound::UnboundedPreceding, end: FrameBound::UnboundedFollowing };
    let frame = match (&function, w.frame) {
        // Ranking and offset functions ignore frames: Spark fixes theirs.
        (WindowFunction::Offset { offset, .. }, _) => {
            WindowFrame { rows: true, start: FrameBound::Offset(-offset), end: FrameBound::Offset(-offset) }
        }
        (WindowFunction::Aggregate(_) | WindowFunction::NthValue { .. }, Some(f)) => f,
        (WindowFunction::Aggregate(_) | WindowFunction::NthValue { .. }, None) if order_by.is_empty() => whole,
        (WindowFunction::Aggregate(_) | WindowFunction::NthValue { .. }, None) => {
            WindowFrame { rows: false, start: FrameBound::UnboundedPreceding, end: FrameBound::Offset(0) }
        }
        _ => WindowFrame { rows: true, start: FrameBound::UnboundedPreceding, end: FrameBound::Offset(0) },
    };
    if !frame.rows && order_by.len() != 1 && matches!(frame.start, FrameBound::Offset(k) if k != 0)
        || !frame.rows && order_by.len() != 1 && matches!(frame.end, FrameBound::Offset(k) if k != 0)
    {
        return Err(EmberError::analysis_class(
            "DATATYPE_MISMATCH.RANGE_FRAME_MULTI_ORDER",
            "A range window frame with value boundaries cannot be used in a window specification with multiple order by expressions. SQLSTATE: 42K09".to_string(),
        ));
    }
    let mut spec = Vec::new();
    if !w.partition_by.is_empty() {
        spec.push(format!("PARTITION BY {}", w.partition_by.iter().map(display_name).collect::<Vec<_>>().join(", ")));
    }
    if !order_by.is_empty() {
        let keys: Vec<String> = w
            .order_by
            .iter()
            .zip(&order_by)
            .map(|(e, k)| {
                let inner = match e {
                    Expr::Sort { expr, .. } => display_name(expr),
                    other => display_name(other),
                };
                format!(
                    "{inner} {} NULLS {}",
                    if k.ascending { "ASC" } else { "DESC" },
                    if k.nulls_first { "FIRST" } else { "LAST" }
                )
            })
            .collect();
        spec.push(format!("ORDER BY {}", keys.join(", ")));
    }
    spec.push(frame_sql(&frame));
    let spec_sql = format!("({})", spec.join(" "));
    let column_name = column_name.map(str::to_string).unwrap_or_else(|| format!("{function_sql} OVER {spec_sql}"));
    Ok(WindowCall { function, partition_by, order_by, frame, function_sql, spec_sql, column_name })
}

/// The output type and nullability of a call.
fn output_field(call: &WindowCall, name: String) -> Field {
    let (dt, nullable) = match &call.function {
        WindowFunction::RowNumber | WindowFunction::Rank | WindowFunction::DenseRank | WindowFunction::Ntile(_) => {
            (DataType::Int32, false)
        }
        WindowFunction::PercentRank | WindowFunction::CumeDist => (DataType::Float64, false),
        WindowFunction::Offset { value, .. } | WindowFunction::NthValue { value, .. } => {
            (value.data_type.clone(), true)
        }
        WindowFunction::Aggregate(a) => (a.signature.return_type.clone(), a.signature.nullable),
    };
    Field::new(name, dt, nullable)
}

/// Take the window expressions out of a select's items: the Window node they read from and the items rewritten to
/// read its columns. None when there are none.
pub fn extract(
    input: &Arc<LogicalPlan>,
    exprs: &[Expr],
    case_sensitive: bool,
) -> Result<Option<(Arc<LogicalPlan>, Vec<Expr>)>> {
    if !exprs.iter().any(contains_window) {
        return Ok(None);
    }
    let mut calls: Vec<WindowCall> = Vec::new();
    let mut fields: Vec<Field> = input.schema.fields.iter().map(|f| f.as_ref().clone()).collect();
    let mut attrs = input.schema.attrs.clone();
    let mut error: Option<EmberError> = None;
    let mut items = Vec::new();
    for e in exprs {
        let alias = match e {
            Expr::Alias { expr, name } if matches!(**expr, Expr::Window(_)) => Some(name.clone()),
            _ => None,
        };
        let rewritten = e.clone().transform_up(&mut |x| match x {
            Expr::Window(w) if error.is_none() => match resolve_call(input, &w, alias.as_deref(), case_sensitive) {
                Ok(call) => {
                    let name = format!("{} OVER {}", call.function_sql, call.spec_sql);
                    fields.push(output_field(&call, name.clone()));
                    let attr = Attr::fresh();
                    let id = attr.id;
                    attrs.push(attr);
                    calls.push(call);
                    Expr::Attribute { id, name }
                }
                Err(err) => {
                    error = Some(err);
                    Expr::Window(w)
                }
            },
            other => other,
        });
        items.push(rewritten);
    }
    if let Some(e) = error {
        return Err(e);
    }
    let schema = PlanSchema { fields: fields.into(), attrs };
    Ok(Some((LogicalPlan::new(PlanNode::Window { input: input.clone(), calls }, schema), items)))
}
