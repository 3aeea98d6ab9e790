//! `window()` and `session_window()`. As in Spark's analyzer (TimeWindowing, SessionWindowing), such a call is not
//! an ordinary function: the operator containing it gets a `TimeWindow` step underneath that adds the window column,
//! and the call becomes a reference to that column (named `window` / `session_window`). An aggregation grouped by a
//! session window also gets a `MergeSessions` step, so rows of one session share the merged bounds.
use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Fields, TimeUnit};

use crate::error::{EmberError, Result};
use crate::expr::expr::Expr;
use crate::expr::physical::{PhysicalExpr, PhysicalKind};
use crate::expr::resolve::{cast_to, display_name, Resolver};
use crate::expr::schema::{Attr, PlanSchema};
use crate::plan::builder::AnalysisConfig;
use crate::plan::{LogicalPlan, PlanNode};

type Plan = Arc<LogicalPlan>;

/// How rows are assigned to windows.
#[derive(Clone, Debug)]
pub enum WindowSpec {
    /// `window(ts, window, slide, start)`: tumbling when `slide_us == window_us`.
    Fixed { window_us: i64, slide_us: i64, start_us: i64 },
    /// `session_window(ts, gap)`: the gap in microseconds (Int64) or as interval text per row (Utf8).
    Session { gap: PhysicalExpr },
}

/// The result of taking the window call out of an operator's expressions.
pub struct Extracted {
    /// The operator's new input: the old one plus the window column (last).
    pub input: Plan,
    /// The expressions with the call replaced by a reference to the window column.
    pub exprs: Vec<Expr>,
    /// Attribute id of the window column.
    pub window_attr: u64,
    pub session: bool,
}

fn window_kind(e: &Expr) -> Option<&'static str> {
    match e {
        Expr::Function { name, .. } if name.eq_ignore_ascii_case("window") => Some("window"),
        Expr::Function { name, .. } if name.eq_ignore_ascii_case("session_window") => Some("session_window"),
        _ => None,
    }
}

/// The distinct window calls among `exprs`.
fn find_calls(exprs: &[Expr]) -> Vec<Expr> {
    let mut found: Vec<(String, Expr)> = Vec::new();
    for e in exprs {
        e.walk(&mut |x| {
            if window_kind(x).is_some() {
                let key = format!("{x:?}");
                if !found.iter().any(|(k, _)| *k == key) {
                    found.push((key, x.clone()));
                }
            }
        });
    }
    found.into_iter().map(|(_, e)| e).collect()
}

fn mismatch(class: &str, call: &str, detail: String) -> EmberError {
    EmberError::analysis_class(
        &format!("DATATYPE_MISMATCH.{class}"),
        format!("Cannot resolve \"{call}\" due to data type mismatch: {detail}. SQLSTATE: 42K09"),
    )
}

/// A duration argument: a string literal parsed as Spark's day-time interval text.
fn duration(arg: &PhysicalExpr, what: &str) -> Result<i64> {
    use arrow::array::AsArray;
    match &arg.kind {
        PhysicalKind::Literal(a) if a.data_type() == &DataType::Utf8 && !a.is_null(0) => {
            crate::expr::functions::datetime::parse_interval_string(a.as_string::<i32>().value(0))
        }
        _ => Err(EmberError::analysis(format!("The {what} of a window must be a string literal such as '10 minutes'"))),
    }
}

/// The time column, cast to TIMESTAMP when it is a string (Spark's implicit cast); other types are an error.
fn time_column(time: PhysicalExpr, call: &dyn Fn() -> String, time_sql: &str) -> Result<PhysicalExpr> {
    match &time.data_type {
        DataType::Timestamp(TimeUnit::Microsecond, _) => Ok(time),
        DataType::Utf8 | DataType::Null => Ok(cast_to(time, &crate::types::timestamp_type())),
        other => Err(mismatch(
            "UNEXPECTED_INPUT_TYPE",
            &call(),
            format!(
                "The first parameter requires the (\"(TIMESTAMP OR TIMESTAMP WITHOUT TIME ZONE)\" or \"STRUCT<start: TIMESTAMP, end: TIMESTAMP>\" or \"STRUCT<start: TIMESTAMP_NTZ, end: TIMESTAMP_NTZ>\") type, however \"{time_sql}\" has the type \"{}\"",
                crate::types::simple_string(other).to_uppercase()
            ),
        )),
    }
}

/// The `struct<start, end>` type of a window over `time_type`.
pub fn window_struct(time_type: &DataType) -> DataType {
    DataType::Struct(Fields::from(vec![
        Field::new("start", time_type.clone(), true),
        Field::new("end", time_type.clone(), true),
    ]))
}

fn fixed_spec(r: &mut Resolver, args: &[Expr]) -> Result<(PhysicalExpr, WindowSpec)> {
    if args.len() < 2 || args.len() > 4 {
        return Err(EmberError::analysis_condition(
            "WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
            [
                ("functionName", "`window`".to_string()),
                ("expectedNum", "[2, 3, 4]".to_string()),
                ("actualNum", args.len().to_string()),
            ],
        ));
    }
    let phys = args.iter().map(|a| r.resolve(a)).collect::<Result<Vec<_>>>()?;
    let window_us = duration(&phys[1], "window duration")?;
    let slide_us = match phys.get(2) {
        Some(p) => duration(p, "slide duration")?,
        None => window_us,
    };
    let start_us = match phys.get(3) {
        Some(p) => duration(p, "start time")?,
        None => 0,
    };
    let time_sql = display_name(&args[0]);
    let call_sql = || format!("window({time_sql}, {window_us}, {slide_us}, {start_us})");
    let time = time_column(phys[0].clone(), &call_sql, &time_sql)?;
    let out_of_range = |name: &str, v: i64| {
        mismatch(
            "VALUE_OUT_OF_RANGE",
            &call_sql(),
            format!("The `{name}` must be between (0, 9223372036854775807] (current value = {v}L)"),
        )
    };
    if window_us <= 0 {
        return Err(out_of_range("window_duration", window_us));
    }
    if slide_us <= 0 {
        return Err(out_of_range("slide_duration", slide_us));
    }
    if slide_us > window_us {
        return Err(mismatch(
            "PARAMETER_CONSTRAINT_VIOLATION",
            &call_sql(),
            format!("The `slide_duration`({slide_us}L) must be <= the `window_duration`({window_us}L)"),
        ));
    }
    if start_us.unsigned_abs() >= slide_us as u64 {
        return Err(mismatch(
            "PARAMETER_CONSTRAINT_VIOLATION",
            &call_sql(),
            format!("The `abs(start_time)`({}L) must be < the `slide_duration`({slide_us}L)", start_us.unsigned_abs()),
        ));
    }
    Ok((time, WindowSpec::Fixed { window_us, slide_us, start_us }))
}

fn session_spec(r: &mut Resolver, args: &[Expr]) -> Result<(PhysicalExpr, WindowSpec)> {
    if args.len() != 2 {
        return Err(EmberError::analysis_condition(
            "WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
            [
                ("functionName", "`session_window`".to_string()),
                ("expectedNum", "2".to_string()),
                ("actualNum", args.len().to_string()),
            ],
        ));
    }
    let time_sql = display_name(&args[0]);
    let gap_sql = display_name(&args[1]);
    let call_sql = || format!("session_window({time_sql}, {gap_sql})");
    let time = time_column(r.resolve(&args[0])?, &call_sql, &time_sql)?;
    let gap = r.resolve(&args[1])?;
    let gap = match (&gap.kind, &gap.data_type) {
        // A static gap is parsed once; text Spark cannot parse makes every gap null (rows are dropped), as in Spark.
        (PhysicalKind::Literal(_), DataType::Utf8) => {
            let micros = duration(&gap, "gap duration").ok();
            PhysicalExpr::new(
                PhysicalKind::Literal(Arc::new(arrow::array::Int64Array::from(vec![micros]))),
                DataType::Int64,
                true,
            )
        }
        (_, DataType::Utf8) => gap,
        (_, other) => {
            return Err(mismatch(
                "UNEXPECTED_INPUT_TYPE",
                &call_sql(),
                format!(
                    "The second parameter requires the (\"INTERVAL\" or \"STRING\") type, however \"{gap_sql}\" has the type \"{}\"",
                    crate::types::simple_string(other).to_uppercase()
                ),
            ))
        }
    };
    Ok((time, WindowSpec::Session { gap }))
}

/// Take the window call out of `exprs`, if there is one, and add its `TimeWindow` step over `input`.
pub fn extract(input: &Plan, exprs: &[Expr], cfg: AnalysisConfig) -> Result<Option<Extracted>> {
    let calls = find_calls(exprs);
    let call = match calls.len() {
        0 => return Ok(None),
        1 => &calls[0],
        _ => {
            return Err(EmberError::analysis(
                "Multiple time/session window expressions would result in a cartesian product of rows, therefore they are currently not supported.",
            ))
        }
    };
    let Expr::Function { args, .. } = call else { unreachable!() };
    let name = window_kind(call).unwrap();
    let session = name == "session_window";
    let mut r = Resolver::new(&input.schema, cfg.case_sensitive);
    let (time, spec) = if session { session_spec(&mut r, args)? } else { fixed_spec(&mut r, args)? };
    let delay = match time.kind {
        PhysicalKind::Column(i) => input.schema.attrs[i].watermark_delay_ms,
        _ => None,
    };
    let attr = Attr { watermark_delay_ms: delay, ..Attr::fresh() };
    let window_attr = attr.id;
    let mut fields: Vec<Field> = input.schema.fields.iter().map(|f| f.as_ref().clone()).collect();
    fields.push(Field::new(name, window_struct(&time.data_type), false));
    let mut attrs = input.schema.attrs.clone();
    attrs.push(attr);
    let node = LogicalPlan::new(
        PlanNode::TimeWindow { input: input.clone(), time, spec },
        PlanSchema { fields: fields.into(), attrs },
    );
    let key = format!("{call:?}");
    let replaced = exprs
        .iter()
        .map(|e| {
            e.clone().transform_up(&mut |x| {
                if window_kind(&x).is_some() && format!("{x:?}") == key {
                    Expr::Attribute { id: window_attr, name: name.to_string() }
                } else {
                    x
                }
            })
        })
        .collect();
    Ok(Some(Extracted { input: node, exprs: replaced, window_attr, session }))
}

/// For an aggregation grouped by a session window: merge the sessions of rows with equal other grouping keys.
pub fn merge_sessions(input: &Plan, groups: &[Expr], window_attr: u64, cfg: AnalysisConfig) -> Result<Plan> {
    let session = input.schema.attrs.iter().position(|a| a.id == window_attr).expect("window column");
    let mut r = Resolver::new(&input.schema, cfg.case_sensitive);
    let mut keys = Vec::new();
    for g in groups {
        if matches!(g, Expr::Attribute { id, .. } if *id == window_attr) {
            continue;
        }
        keys.push(r.resolve(g)?);
    }
    Ok(LogicalPlan::new(PlanNode::MergeSessions { input: input.clone(), keys, session }, input.schema.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::schema::PlanSchema;

    fn input() -> Plan {
        let fields = Fields::from(vec![
            Field::new("ts", crate::types::timestamp_type(), true),
            Field::new("v", DataType::Int32, true),
        ]);
        LogicalPlan::new(PlanNode::Values { batches: Arc::new(vec![]) }, PlanSchema::fresh(fields))
    }

    fn window(args: &[&str]) -> Expr {
        let mut a = vec![Expr::Column(vec!["ts".into()])];
        for s in args {
            a.push(Expr::lit(Arc::new(arrow::array::StringArray::from(vec![*s]))));
        }
        Expr::call("window", a)
    }

    fn err(args: &[&str]) -> String {
        match extract(&input(), &[window(args)], AnalysisConfig::default()) {
            Err(e) => e.message(),
            Ok(_) => "ok".into(),
        }
    }

    #[test]
    fn adds_the_window_column_and_replaces_the_call() {
        let e =
            extract(&input(), &[window(&["10 seconds"]), Expr::Column(vec!["v".into()])], AnalysisConfig::default())
                .unwrap()
                .unwrap();
        assert_eq!(e.input.schema.names(), vec!["ts", "v", "window"]);
        assert!(matches!(&e.exprs[0], Expr::Attribute { name, .. } if name == "window"));
        assert!(!e.session);
    }

    #[test]
    fn spark_validation_messages() {
        assert!(err(&["10 seconds", "20 seconds"]).contains(
            "Cannot resolve \"window(ts, 10000000, 20000000, 0)\" due to data type mismatch: The `slide_duration`(20000000L) must be <= the `window_duration`(10000000L). SQLSTATE: 42K09"
        ));
        assert!(err(&["0 seconds"])
            .contains("The `window_duration` must be between (0, 9223372036854775807] (current value = 0L)"));
        assert!(err(&["10 seconds", "5 seconds", "-7 seconds"])
            .contains("The `abs(start_time)`(7000000L) must be < the `slide_duration`(5000000L)"));
        assert_eq!(err(&["1 month"]), "Intervals greater than a month is not supported (1 month).");
        let two = extract(&input(), &[window(&["10 seconds"]), window(&["20 seconds"])], AnalysisConfig::default());
        assert!(two.err().unwrap().message().starts_with("Multiple time/session window expressions"));
    }
}
