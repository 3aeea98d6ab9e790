//! DataFrame transformations as analyzed plan nodes: each resolves its expressions against its input at once, so
//! an unknown column fails at `select`, not at `collect`, as in Spark.
use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Fields};

use crate::error::{EmberError, Result};
use crate::expr::coercion::wider_type;
use crate::expr::expr::{BinaryOp, Expr};
use crate::expr::functions::{registry, ArgInfo, FunctionDef};
use crate::expr::physical::{PhysicalExpr, PhysicalKind};
use crate::expr::resolve::{cast_to, display_name, quote_ident, ExtractedAggregate, Resolver};
use crate::expr::schema::{Attr, PlanSchema};
use crate::plan::{AggregateCall, JoinType, LogicalPlan, PassthroughKind, PlanNode, SetOp, SortKey};

/// Analysis settings taken from the session conf.
#[derive(Clone, Copy, Debug, Default)]
pub struct AnalysisConfig {
    /// `spark.sql.caseSensitive`.
    pub case_sensitive: bool,
}

type Plan = Arc<LogicalPlan>;

fn names_equal(a: &str, b: &str, cfg: AnalysisConfig) -> bool {
    if cfg.case_sensitive {
        a == b
    } else {
        a.eq_ignore_ascii_case(b)
    }
}

/// Whether an expression contains an aggregate function call.
pub fn contains_aggregate(e: &Expr) -> bool {
    let mut found = false;
    e.walk(&mut |x| match x {
        Expr::Function { name, .. } => {
            found |= match crate::expr::functions::user_defined::lookup(name) {
                Some(f) => f.as_aggregate().is_some(),
                None => matches!(registry().get(name), Some(FunctionDef::Aggregate(_))),
            }
        }
        Expr::UserFunction { func, .. } if func.0.as_aggregate().is_some() => found = true,
        _ => {}
    });
    found
}

fn generator_of(e: &Expr) -> Option<(Expr, Vec<String>)> {
    match e {
        Expr::Alias { expr, name } => generator_of(expr).map(|(g, _)| (g, vec![name.clone()])),
        Expr::MultiAlias { expr, names } => generator_of(expr).map(|(g, _)| (g, names.clone())),
        Expr::Function { name, .. } if matches!(registry().get(name), Some(FunctionDef::Generator { .. })) => {
            Some((e.clone(), vec![]))
        }
        _ => None,
    }
}

/// Expand `*` and `t.*` into column references, at the top level and as the arguments of a function call
/// (`struct(*)`, `to_json(struct(*))`, `hash(*)`, `concat_ws(',', *)`), as Spark's analyzer does.
fn expand_stars(input: &LogicalPlan, exprs: &[Expr], cfg: AnalysisConfig) -> Result<Vec<Expr>> {
    let mut out = Vec::with_capacity(exprs.len());
    for e in exprs {
        match e {
            Expr::Star(q) => out.extend(star_columns(input, q.as_ref(), cfg)?),
            other if has_star_argument(other) => out.push(expand_star_arguments(input, other.clone(), cfg)?),
            other => out.push(other.clone()),
        }
    }
    Ok(out)
}

fn has_star_argument(e: &Expr) -> bool {
    let mut found = false;
    e.walk(&mut |n| {
        if let Expr::Function { args, .. } | Expr::UserFunction { args, .. } = n {
            found |= args.iter().any(|a| matches!(a, Expr::Star(_)));
        }
    });
    found
}

/// A function's `*` arguments replaced by the columns they stand for. `count(*)` keeps its star: it counts rows.
fn expand_star_arguments(input: &LogicalPlan, e: Expr, cfg: AnalysisConfig) -> Result<Expr> {
    let mut failure = None;
    let expand = |args: Vec<Expr>, failure: &mut Option<EmberError>| -> Vec<Expr> {
        let mut out = Vec::with_capacity(args.len());
        for a in args {
            match a {
                Expr::Star(q) => match star_columns(input, q.as_ref(), cfg) {
                    Ok(cols) => out.extend(cols),
                    Err(err) => {
                        failure.get_or_insert(err);
                    }
                },
                other => out.push(other),
            }
        }
        out
    };
    let rewritten = e.transform_up(&mut |n| match n {
        Expr::Function { name, args, distinct } if !name.eq_ignore_ascii_case("count") => {
            Expr::Function { args: expand(args, &mut failure), name, distinct }
        }
        Expr::UserFunction { func, args } => Expr::UserFunction { func, args: expand(args, &mut failure) },
        other => other,
    });
    match failure {
        Some(err) => Err(err),
        None => Ok(rewritten),
    }
}

/// The columns `*` (all of the input's) or `q.*` (those qualified by `q`, or the fields of struct column `q`)
/// stands for.
fn star_columns(input: &LogicalPlan, q: Option<&String>, cfg: AnalysisConfig) -> Result<Vec<Expr>> {
    let mut out = Vec::new();
    for (f, a) in input.schema.fields.iter().zip(&input.schema.attrs) {
        let keep = match q {
            None => true,
            Some(q) => a.qualifier.as_deref().is_some_and(|aq| names_equal(aq, q, cfg)),
        };
        if keep {
            out.push(Expr::Attribute { id: a.id, name: f.name().clone() });
        }
    }
    if let (Some(q), true) = (q, out.is_empty()) {
        // `s.*` on a struct column expands its fields.
        let r = Resolver::new(&input.schema, cfg.case_sensitive);
        let (idx, _) = r.lookup(std::slice::from_ref(q)).map_err(|_| {
            EmberError::analysis_class(
                "CANNOT_RESOLVE_STAR_EXPAND",
                format!(
                    "Cannot resolve {}.* given input columns {}. SQLSTATE: 42704",
                    quote_ident(q),
                    input.schema.fields.iter().map(|f| quote_ident(f.name())).collect::<Vec<_>>().join(", ")
                ),
            )
        })?;
        if let DataType::Struct(fields) = input.schema.fields[idx].data_type() {
            for f in fields {
                out.push(
                    Expr::GetField { expr: Box::new(Expr::Column(vec![q.clone()])), name: f.name().clone() }
                        .alias(f.name()),
                );
            }
        }
    }
    Ok(out)
}

/// Output name of a select item (an alias, a column's own name, or Spark's generated name).
fn item_name(e: &Expr) -> String {
    match e {
        Expr::Column(parts) => parts.last().cloned().unwrap_or_default(),
        other => display_name(other),
    }
}

/// Project `exprs` (already expanded) over `input`, keeping attribute ids of plain column references.
fn project_resolved(input: &Plan, exprs: &[Expr], cfg: AnalysisConfig) -> Result<Plan> {
    let mut resolver = Resolver::new(&input.schema, cfg.case_sensitive);
    let mut phys = Vec::with_capacity(exprs.len());
    let mut fields = Vec::with_capacity(exprs.len());
    let mut attrs = Vec::with_capacity(exprs.len());
    for e in exprs {
        let e = &resolver.normalize_struct_items(e);
        let p = resolver.resolve(e)?;
        let name = item_name(e);
        let attr = match (&p.kind, e) {
            (PhysicalKind::Column(i), Expr::Column(_) | Expr::Attribute { .. }) => input.schema.attrs[*i].clone(),
            // An alias keeps the event-time mark, as Spark's Alias keeps its child's metadata.
            (PhysicalKind::Column(i), _) => {
                Attr { watermark_delay_ms: input.schema.attrs[*i].watermark_delay_ms, ..Attr::fresh() }
            }
            _ => Attr::fresh(),
        };
        fields.push(Field::new(name, p.data_type.clone(), p.nullable));
        attrs.push(attr);
        phys.push(p);
    }
    let schema = PlanSchema { fields: fields.into(), attrs };
    Ok(LogicalPlan::new(PlanNode::Project { input: input.clone(), exprs: phys }, schema))
}

/// `df.select(...)`: projections, a generator (`explode`), or aggregates without grouping.
pub fn select(input: &Plan, exprs: &[Expr], cfg: AnalysisConfig) -> Result<Plan> {
    let exprs = expand_stars(input, exprs, cfg)?;
    if let Some(w) = crate::plan::time_window::extract(input, &exprs, cfg)? {
        return select(&w.input, &w.exprs, cfg);
    }
    if let Some((windowed, items)) = crate::plan::window::extract(input, &exprs, cfg.case_sensitive)? {
        return project_resolved(&windowed, &items, cfg);
    }
    if exprs.iter().any(contains_aggregate) {
        return aggregate(input, &[], &exprs, cfg);
    }
    let gens: Vec<usize> = (0..exprs.len()).filter(|&i| generator_of(&exprs[i]).is_some()).collect();
    if gens.len() > 1 {
        return Err(EmberError::analysis_class(
            "UNSUPPORTED_GENERATOR.MULTI_GENERATOR",
            format!("The generator is not supported: only one generator allowed per SELECT clause but found {}: {}. SQLSTATE: 42K0E",
                gens.len(), gens.iter().map(|&i| format!("\"{}\"", display_name(&exprs[i]))).collect::<Vec<_>>().join(", ")),
        ));
    }
    if let Some(&gi) = gens.first() {
        let (gen_expr, names) = generator_of(&exprs[gi]).unwrap();
        let generated = generate(input, &gen_expr, &names, cfg)?;
        let first_gen_col = input.schema.len();
        let mut items = Vec::new();
        for (i, e) in exprs.iter().enumerate() {
            if i == gi {
                for c in first_gen_col..generated.schema.len() {
                    let a = &generated.schema.attrs[c];
                    items.push(Expr::Attribute { id: a.id, name: generated.schema.fields[c].name().clone() });
                }
            } else {
                items.push(e.clone());
            }
        }
        return project_resolved(&generated, &items, cfg);
    }
    project_resolved(input, &exprs, cfg)
}

/// Generate node: input columns followed by the generator's output.
pub fn generate(input: &Plan, gen_expr: &Expr, names: &[String], cfg: AnalysisConfig) -> Result<Plan> {
    let Expr::Function { name, args, .. } = gen_expr else { unreachable!() };
    let Some(FunctionDef::Generator { func, outer }) = registry().get(name).cloned() else { unreachable!() };
    let mut r = Resolver::new(&input.schema, cfg.case_sensitive);
    let phys: Vec<PhysicalExpr> = args.iter().map(|a| r.resolve(a)).collect::<Result<_>>()?;
    let infos: Vec<ArgInfo> = phys
        .iter()
        .zip(args)
        .map(|(p, a)| ArgInfo {
            data_type: p.data_type.clone(),
            nullable: p.nullable,
            literal: match &p.kind {
                PhysicalKind::Literal(l) => Some(l.clone()),
                _ => None,
            },
            sql: display_name(a),
        })
        .collect();
    let mut out_fields = func.output_fields(&infos)?;
    if !names.is_empty() {
        if names.len() != out_fields.len() {
            return Err(EmberError::analysis_class(
                "UDTF_ALIAS_NUMBER_MISMATCH",
                format!("The number of aliases supplied in the AS clause does not match the number of columns output by the UDTF. Expected {} aliases, but got {}. Please ensure that the number of aliases provided matches the number of columns output by the UDTF. SQLSTATE: 42802",
                    out_fields.len(), names.join(", ")),
            ));
        }
        out_fields = out_fields.into_iter().zip(names).map(|(f, n)| f.with_name(n)).collect();
    }
    if outer {
        out_fields = out_fields.into_iter().map(|f| f.with_nullable(true)).collect();
    }
    let mut fields: Vec<Field> = input.schema.fields.iter().map(|f| f.as_ref().clone()).collect();
    let mut attrs = input.schema.attrs.clone();
    for f in out_fields {
        fields.push(f);
        attrs.push(Attr::fresh());
    }
    let schema = PlanSchema { fields: fields.into(), attrs };
    Ok(LogicalPlan::new(PlanNode::Generate { input: input.clone(), func, args: phys, outer }, schema))
}

/// `df.filter(cond)`.
pub fn filter(input: &Plan, cond: &Expr, cfg: AnalysisConfig) -> Result<Plan> {
    if contains_aggregate(cond) {
        return Err(EmberError::analysis_class(
            "INVALID_WHERE_CONDITION",
            format!("The WHERE condition \"{}\" contains invalid expressions: {}. Rewrite the query to avoid window functions, aggregate functions, and generator functions in the WHERE clause. SQLSTATE: 42903", display_name(cond), display_name(cond)),
        ));
    }
    let mut r = Resolver::new(&input.schema, cfg.case_sensitive);
    let p = r.resolve(cond)?;
    let p = match p.data_type {
        DataType::Boolean => p,
        DataType::Null => cast_to(p, &DataType::Boolean),
        ref other => {
            return Err(EmberError::analysis_class(
                "DATATYPE_MISMATCH.FILTER_NOT_BOOLEAN",
                format!("Cannot resolve \"{}\" due to data type mismatch: Filter expression \"{}\" of type \"{}\" is not a boolean. SQLSTATE: 42K09",
                    display_name(cond), display_name(cond), crate::types::simple_string(other).to_uppercase()),
            ))
        }
    };
    Ok(LogicalPlan::new(PlanNode::Filter { input: input.clone(), predicate: p }, input.schema.clone()))
}

/// `df.withColumns({name: col})`: replaces same-named columns in place, appends the others.
pub fn with_columns(input: &Plan, cols: &[(String, Expr)], cfg: AnalysisConfig) -> Result<Plan> {
    let mut items: Vec<Expr> = input
        .schema
        .fields
        .iter()
        .zip(&input.schema.attrs)
        .map(|(f, a)| Expr::Attribute { id: a.id, name: f.name().clone() })
        .collect();
    for (name, e) in cols {
        let e = e.clone().alias(name);
        match input.schema.fields.iter().position(|f| names_equal(f.name(), name, cfg)) {
            Some(i) => items[i] = e,
            None => items.push(e),
        }
    }
    select(input, &items, cfg)
}

/// `df.withColumnsRenamed`.
pub fn with_columns_renamed(input: &Plan, renames: &[(String, String)], cfg: AnalysisConfig) -> Result<Plan> {
    let mut fields: Vec<Field> = input.schema.fields.iter().map(|f| f.as_ref().clone()).collect();
    for (old, new) in renames {
        for f in fields.iter_mut() {
            if names_equal(f.name(), old, cfg) {
                *f = f.clone().with_name(new);
            }
        }
    }
    let exprs = (0..fields.len())
        .map(|i| PhysicalExpr::column(i, fields[i].data_type().clone(), fields[i].is_nullable()))
        .collect();
    let schema = PlanSchema { fields: fields.into(), attrs: input.schema.attrs.clone() };
    Ok(LogicalPlan::new(PlanNode::Project { input: input.clone(), exprs }, schema))
}

/// `df.drop(...)`: by name (unknown names ignored, as Spark) or by column reference.
pub fn drop(input: &Plan, names: &[String], attrs: &[u64], cfg: AnalysisConfig) -> Result<Plan> {
    let keep: Vec<Expr> = input
        .schema
        .fields
        .iter()
        .zip(&input.schema.attrs)
        .filter(|(f, a)| !names.iter().any(|n| names_equal(n, f.name(), cfg)) && !attrs.contains(&a.id))
        .map(|(f, a)| Expr::Attribute { id: a.id, name: f.name().clone() })
        .collect();
    project_resolved(input, &keep, cfg)
}

/// `df.alias("t")`: same rows, columns qualified by `t`.
pub fn alias(input: &Plan, qualifier: &str) -> Plan {
    let schema = input.schema.with_qualifier(qualifier);
    LogicalPlan::new(
        PlanNode::Passthrough {
            input: input.clone(),
            kind: PassthroughKind::Hint(format!("SubqueryAlias {qualifier}")),
        },
        schema,
    )
}

/// `groupBy(groups).agg(exprs)`; `groups` empty for a global aggregation. Output: groups then `exprs`.
pub fn aggregate(input: &Plan, groups: &[Expr], exprs: &[Expr], cfg: AnalysisConfig) -> Result<Plan> {
    check_pandas_udf_placement(exprs)?;
    let groups = expand_stars(input, groups, cfg)?;
    let exprs = &expand_stars(input, exprs, cfg)?;
    let all: Vec<Expr> = groups.iter().chain(exprs).cloned().collect();
    if let Some(w) = crate::plan::time_window::extract(input, &all, cfg)? {
        let (g, e) = w.exprs.split_at(groups.len());
        let input = if w.session {
            crate::plan::time_window::merge_sessions(&w.input, g, w.window_attr, cfg)?
        } else {
            w.input
        };
        return aggregate(&input, g, e, cfg);
    }
    let mut r = Resolver::new(&input.schema, cfg.case_sensitive);
    let group_phys: Vec<PhysicalExpr> = groups.iter().map(|g| r.resolve(g)).collect::<Result<_>>()?;
    let group_names: Vec<String> = groups.iter().map(item_name).collect();
    let group_columns: Vec<Option<usize>> = group_phys
        .iter()
        .map(|p| match p.kind {
            PhysicalKind::Column(i) => Some(i),
            _ => None,
        })
        .collect();
    let mut extracted: Vec<ExtractedAggregate> = Vec::new();
    let outputs: Vec<PhysicalExpr> = {
        let mut r = Resolver {
            schema: &input.schema,
            case_sensitive: cfg.case_sensitive,
            aggregates: Some(&mut extracted),
            agg_offset: group_phys.len(),
            group_names: groups.iter().map(display_name).collect(),
            group_columns,
            group_types: group_phys.iter().map(|g| (g.data_type.clone(), g.nullable)).collect(),
        };
        exprs.iter().map(|e| r.resolve(e)).collect::<Result<_>>()?
    };
    // The Aggregate node: grouping values then raw aggregate results.
    let mut agg_fields: Vec<Field> = Vec::new();
    for (g, n) in group_phys.iter().zip(&group_names) {
        agg_fields.push(Field::new(n, g.data_type.clone(), g.nullable));
    }
    for a in &extracted {
        agg_fields.push(Field::new(&a.name, a.signature.return_type.clone(), a.signature.nullable));
    }
    let agg_schema = PlanSchema::fresh(Fields::from(agg_fields.clone()));
    let calls = extracted
        .iter()
        .map(|a| AggregateCall {
            func: a.func.clone(),
            args: a.args.clone(),
            signature: a.signature.clone(),
            distinct: a.distinct,
        })
        .collect();
    let agg = LogicalPlan::new(
        PlanNode::Aggregate { input: input.clone(), group_exprs: group_phys.clone(), aggregates: calls },
        agg_schema.clone(),
    );
    // Project: grouping columns (keeping the input's attribute identity) then the output expressions.
    let mut fields = Vec::new();
    let mut attrs = Vec::new();
    let mut proj = Vec::new();
    for (i, g) in group_phys.iter().enumerate() {
        proj.push(PhysicalExpr::column(i, g.data_type.clone(), g.nullable));
        fields.push(agg_fields[i].clone());
        attrs.push(match g.kind {
            PhysicalKind::Column(c) => input.schema.attrs[c].clone(),
            _ => agg_schema.attrs[i].clone(),
        });
    }
    for (e, p) in exprs.iter().zip(outputs) {
        fields.push(Field::new(item_name(e), p.data_type.clone(), p.nullable));
        attrs.push(Attr::fresh());
        proj.push(p);
    }
    Ok(LogicalPlan::new(PlanNode::Project { input: agg, exprs: proj }, PlanSchema { fields: fields.into(), attrs }))
}

/// Spark runs group-aggregate pandas UDFs in their own operator: they cannot share an aggregation with built-in
/// aggregates.
fn check_pandas_udf_placement(exprs: &[Expr]) -> Result<()> {
    let (mut udfs, mut builtin) = (Vec::<String>::new(), false);
    for e in exprs {
        e.walk(&mut |x| match x {
            Expr::UserFunction { func, .. } if func.0.as_aggregate().is_some() => {
                let name = format!("`{}`", func.0.name());
                if !udfs.contains(&name) {
                    udfs.push(name);
                }
            }
            Expr::Function { name, .. } => {
                if let Some(f) = crate::expr::functions::user_defined::lookup(name) {
                    if f.as_aggregate().is_some() {
                        let name = format!("`{name}`");
                        if !udfs.contains(&name) {
                            udfs.push(name);
                        }
                    }
                } else if matches!(registry().get(name), Some(FunctionDef::Aggregate(_))) {
                    builtin = true;
                }
            }
            _ => {}
        });
    }
    if builtin && !udfs.is_empty() {
        return Err(EmberError::with_condition(
            crate::error::ErrorKind::Analysis,
            "INVALID_PANDAS_UDF_PLACEMENT",
            [("functionList", udfs.join(", "))],
        ));
    }
    Ok(())
}

/// `df.orderBy(...)`: each key an expression, optionally wrapped in `Expr::Sort`.
pub fn sort(input: &Plan, keys: &[Expr], cfg: AnalysisConfig) -> Result<Plan> {
    let mut r = Resolver::new(&input.schema, cfg.case_sensitive);
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        let (e, ascending, nulls_first) = match k {
            Expr::Sort { expr, ascending, nulls_first } => ((**expr).clone(), *ascending, *nulls_first),
            other => (other.clone(), true, true),
        };
        out.push(SortKey { expr: r.resolve(&e)?, ascending, nulls_first });
    }
    Ok(LogicalPlan::new(PlanNode::Sort { input: input.clone(), keys: out }, input.schema.clone()))
}

pub fn limit(input: &Plan, limit: usize, offset: usize) -> Plan {
    LogicalPlan::new(PlanNode::Limit { input: input.clone(), limit, offset }, input.schema.clone())
}

pub fn tail(input: &Plan, n: usize) -> Plan {
    LogicalPlan::new(PlanNode::Tail { input: input.clone(), n }, input.schema.clone())
}

pub fn passthrough(input: &Plan, kind: PassthroughKind) -> Plan {
    LogicalPlan::new(PlanNode::Passthrough { input: input.clone(), kind }, input.schema.clone())
}

pub fn sample(input: &Plan, fraction: f64, with_replacement: bool, seed: u64) -> Result<Plan> {
    if fraction < 0.0 || (!with_replacement && fraction > 1.0) {
        return Err(EmberError::illegal_argument(format!(
            "requirement failed: Sampling fraction ({fraction}) must be on interval [0, 1] without replacement"
        )));
    }
    Ok(LogicalPlan::new(
        PlanNode::Sample { input: input.clone(), fraction, with_replacement, seed },
        input.schema.clone(),
    ))
}

/// Cast each input of a positional union to the widened column types.
fn union_inputs(inputs: &[Plan]) -> Result<(Vec<Plan>, PlanSchema)> {
    let first = &inputs[0];
    for other in &inputs[1..] {
        if other.schema.len() != first.schema.len() {
            return Err(EmberError::analysis_class(
                "NUM_COLUMNS_MISMATCH",
                format!("UNION can only be performed on inputs with the same number of columns, but the first input has {} columns and the second input has {} columns. SQLSTATE: 42826",
                    first.schema.len(), other.schema.len()),
            ));
        }
    }
    let mut types: Vec<DataType> = first.data_types();
    for other in &inputs[1..] {
        for (i, f) in other.schema.fields.iter().enumerate() {
            types[i] = wider_type(&types[i], f.data_type()).ok_or_else(|| {
                EmberError::analysis_class(
                    "INCOMPATIBLE_COLUMN_TYPE",
                    format!("UNION can only be performed on inputs with compatible column types. The {} column of the second table is \"{}\" type which is not compatible with \"{}\" at the same column of the first table.. SQLSTATE: 42825",
                        ordinal(i + 1), crate::types::simple_string(f.data_type()).to_uppercase(), crate::types::simple_string(&types[i]).to_uppercase()),
                )
            })?;
        }
    }
    let mut out = Vec::new();
    for p in inputs {
        if p.data_types() == types {
            out.push(p.clone());
            continue;
        }
        let exprs: Vec<PhysicalExpr> = p
            .schema
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| cast_to(PhysicalExpr::column(i, f.data_type().clone(), f.is_nullable()), &types[i]))
            .collect();
        let fields: Fields =
            p.schema.fields.iter().zip(&types).map(|(f, t)| Field::new(f.name(), t.clone(), f.is_nullable())).collect();
        out.push(LogicalPlan::new(
            PlanNode::Project { input: p.clone(), exprs },
            PlanSchema { fields, attrs: p.schema.attrs.clone() },
        ));
    }
    let fields: Fields = first
        .schema
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| Field::new(f.name(), types[i].clone(), inputs.iter().any(|p| p.schema.fields[i].is_nullable())))
        .collect();
    Ok((out, PlanSchema { fields, attrs: first.schema.attrs.clone() }))
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, x) if x != 11 => "st",
        (2, x) if x != 12 => "nd",
        (3, x) if x != 13 => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// `union`/`unionAll`: by position.
pub fn union(inputs: &[Plan]) -> Result<Plan> {
    let (inputs, schema) = union_inputs(inputs)?;
    Ok(LogicalPlan::new(PlanNode::Union { inputs }, schema))
}

/// `unionByName(other, allowMissingColumns)`.
pub fn union_by_name(left: &Plan, right: &Plan, allow_missing: bool, cfg: AnalysisConfig) -> Result<Plan> {
    let mut right_items = Vec::new();
    let mut left_plan = left.clone();
    if allow_missing {
        // Columns only in the right side are appended to the left as nulls.
        let extra: Vec<(String, Expr)> = right
            .schema
            .fields
            .iter()
            .filter(|f| !left.schema.fields.iter().any(|l| names_equal(l.name(), f.name(), cfg)))
            .map(|f| (f.name().clone(), Expr::Cast { expr: Box::new(null_literal()), to: f.data_type().clone() }))
            .collect();
        if !extra.is_empty() {
            left_plan = with_columns(left, &extra, cfg)?;
        }
    }
    for f in left_plan.schema.fields.iter() {
        match right.schema.fields.iter().position(|r| names_equal(r.name(), f.name(), cfg)) {
            Some(i) => right_items.push(Expr::Attribute { id: right.schema.attrs[i].id, name: right.schema.fields[i].name().clone() }),
            None if allow_missing => right_items.push(Expr::Cast { expr: Box::new(null_literal()), to: f.data_type().clone() }.alias(f.name())),
            None => {
                return Err(EmberError::analysis_class(
                    "NUM_COLUMNS_MISMATCH",
                    format!("UNION can only be performed on inputs with the same number of columns, but the first input has {} columns and the second input has {} columns. SQLSTATE: 42826",
                        left.schema.len(), right.schema.len()),
                ))
            }
        }
    }
    if !allow_missing && right.schema.len() != left_plan.schema.len() {
        return Err(EmberError::analysis_class(
            "NUM_COLUMNS_MISMATCH",
            format!("UNION can only be performed on inputs with the same number of columns, but the first input has {} columns and the second input has {} columns. SQLSTATE: 42826",
                left.schema.len(), right.schema.len()),
        ));
    }
    let right_plan = project_resolved(right, &right_items, cfg)?;
    union(&[left_plan, right_plan])
}

fn null_literal() -> Expr {
    Expr::lit(arrow::array::new_null_array(&DataType::Null, 1))
}

/// `distinct()` / `dropDuplicates(subset)`.
pub fn deduplicate(input: &Plan, subset: Option<&[String]>, cfg: AnalysisConfig) -> Result<Plan> {
    deduplicate_with(input, subset, false, cfg)
}

/// `dropDuplicatesWithinWatermark(subset)`: a plain deduplication on a batch DataFrame.
pub fn deduplicate_within_watermark(input: &Plan, subset: Option<&[String]>, cfg: AnalysisConfig) -> Result<Plan> {
    deduplicate_with(input, subset, input.is_streaming(), cfg)
}

fn deduplicate_with(
    input: &Plan,
    subset: Option<&[String]>,
    within_watermark: bool,
    cfg: AnalysisConfig,
) -> Result<Plan> {
    let keys = match subset {
        None => (0..input.schema.len()).collect(),
        Some(names) => {
            let r = Resolver::new(&input.schema, cfg.case_sensitive);
            let mut keys = Vec::new();
            for n in names {
                let (i, _) = r.lookup(std::slice::from_ref(n))?;
                keys.push(i);
            }
            keys
        }
    };
    Ok(LogicalPlan::new(PlanNode::Deduplicate { input: input.clone(), keys, within_watermark }, input.schema.clone()))
}

/// intersect / subtract / exceptAll / intersectAll.
pub fn set_operation(left: &Plan, right: &Plan, op: SetOp) -> Result<Plan> {
    let (inputs, schema) = union_inputs(&[left.clone(), right.clone()])?;
    Ok(LogicalPlan::new(PlanNode::SetOperation { left: inputs[0].clone(), right: inputs[1].clone(), op }, schema))
}

/// Output schema of a join node (before any USING projection).
fn join_schema(left: &Plan, right: &Plan, jt: JoinType) -> PlanSchema {
    match jt {
        JoinType::LeftSemi | JoinType::LeftAnti => left.schema.clone(),
        JoinType::LeftOuter => left.schema.join(&right.schema.nullable()),
        JoinType::RightOuter => left.schema.nullable().join(&right.schema),
        JoinType::FullOuter => left.schema.nullable().join(&right.schema.nullable()),
        JoinType::Inner | JoinType::Cross => left.schema.join(&right.schema),
    }
}

/// `df.join(other, on=[names], how)`: equi-join on same-named columns; each key appears once in the output.
pub fn join_using(left: &Plan, right: &Plan, names: &[String], jt: JoinType, cfg: AnalysisConfig) -> Result<Plan> {
    let lr = Resolver::new(&left.schema, cfg.case_sensitive);
    let rr = Resolver::new(&right.schema, cfg.case_sensitive);
    let mut lk = Vec::new();
    let mut rk = Vec::new();
    let mut lidx = Vec::new();
    let mut ridx = Vec::new();
    for n in names {
        let missing = |side: &str, schema: &PlanSchema| {
            EmberError::analysis_class(
                "UNRESOLVED_USING_COLUMN_FOR_JOIN",
                format!("USING column {} cannot be resolved on the {side} side of the join. The {side}-side columns: [{}]. SQLSTATE: 42703",
                    quote_ident(n), schema.fields.iter().map(|f| quote_ident(f.name())).collect::<Vec<_>>().join(", ")),
            )
        };
        let (li, _) = lr.lookup(std::slice::from_ref(n)).map_err(|_| missing("left", &left.schema))?;
        let (ri, _) = rr.lookup(std::slice::from_ref(n)).map_err(|_| missing("right", &right.schema))?;
        let lf = &left.schema.fields[li];
        let rf = &right.schema.fields[ri];
        let common = crate::expr::resolve::comparison_common_type(lf.data_type(), rf.data_type()).ok_or_else(|| {
            EmberError::analysis_class("DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES", format!("Cannot resolve \"({n} = {n})\" due to data type mismatch: the left and right operands of the binary operator have incompatible types (\"{}\" and \"{}\"). SQLSTATE: 42K09",
                crate::types::simple_string(lf.data_type()).to_uppercase(), crate::types::simple_string(rf.data_type()).to_uppercase()))
        })?;
        lk.push(cast_to(PhysicalExpr::column(li, lf.data_type().clone(), lf.is_nullable()), &common));
        rk.push(cast_to(PhysicalExpr::column(ri, rf.data_type().clone(), rf.is_nullable()), &common));
        lidx.push(li);
        ridx.push(ri);
    }
    let schema = join_schema(left, right, jt);
    let join = LogicalPlan::new(
        PlanNode::Join {
            left: left.clone(),
            right: right.clone(),
            join_type: jt,
            left_keys: lk,
            right_keys: rk,
            filter: None,
        },
        schema.clone(),
    );
    if matches!(jt, JoinType::LeftSemi | JoinType::LeftAnti) {
        return Ok(join);
    }
    // USING output: keys (left's, right's for right joins, coalesced for full), left rest, right rest.
    let nl = left.schema.len();
    let mut exprs = Vec::new();
    let mut fields = Vec::new();
    let mut attrs = Vec::new();
    for (k, (&li, &ri)) in lidx.iter().zip(&ridx).enumerate() {
        let lf = &schema.fields[li];
        let rf = &schema.fields[nl + ri];
        let (e, attr) = match jt {
            JoinType::RightOuter => {
                (PhysicalExpr::column(nl + ri, rf.data_type().clone(), rf.is_nullable()), schema.attrs[nl + ri].clone())
            }
            JoinType::FullOuter => {
                let coalesce = match registry().get("coalesce") {
                    Some(FunctionDef::Scalar(f)) => f.clone(),
                    _ => return Err(EmberError::execution("coalesce is not registered")),
                };
                let dt = lf.data_type().clone();
                let args = vec![
                    cast_to(PhysicalExpr::column(li, lf.data_type().clone(), true), &dt),
                    cast_to(PhysicalExpr::column(nl + ri, rf.data_type().clone(), true), &dt),
                ];
                (PhysicalExpr::new(PhysicalKind::Function { func: coalesce, args }, dt, true), schema.attrs[li].clone())
            }
            _ => (PhysicalExpr::column(li, lf.data_type().clone(), lf.is_nullable()), schema.attrs[li].clone()),
        };
        let _ = k;
        fields.push(Field::new(lf.name(), e.data_type.clone(), e.nullable));
        exprs.push(e);
        attrs.push(attr);
    }
    for i in 0..nl {
        if !lidx.contains(&i) {
            let f = &schema.fields[i];
            exprs.push(PhysicalExpr::column(i, f.data_type().clone(), f.is_nullable()));
            fields.push(f.as_ref().clone());
            attrs.push(schema.attrs[i].clone());
        }
    }
    for i in 0..right.schema.len() {
        if !ridx.contains(&i) {
            let f = &schema.fields[nl + i];
            exprs.push(PhysicalExpr::column(nl + i, f.data_type().clone(), f.is_nullable()));
            fields.push(f.as_ref().clone());
            attrs.push(schema.attrs[nl + i].clone());
        }
    }
    Ok(LogicalPlan::new(PlanNode::Project { input: join, exprs }, PlanSchema { fields: fields.into(), attrs }))
}

/// `df.join(other, condition, how)` (or no condition: a cross product).
pub fn join_on(left: &Plan, right: &Plan, cond: Option<&Expr>, jt: JoinType, cfg: AnalysisConfig) -> Result<Plan> {
    let both = left.schema.join(&right.schema);
    let nl = left.schema.len();
    let mut lk = Vec::new();
    let mut rk = Vec::new();
    let mut rest: Vec<PhysicalExpr> = Vec::new();
    if let Some(cond) = cond {
        let mut conjuncts = Vec::new();
        split_and(cond, &mut conjuncts);
        let mut r = Resolver::new(&both, cfg.case_sensitive);
        for c in conjuncts {
            let p = r.resolve(&c)?;
            if p.data_type != DataType::Boolean {
                return Err(EmberError::analysis_class(
                    "JOIN_CONDITION_IS_NOT_BOOLEAN_TYPE",
                    format!(
                        "The join condition {} has the invalid type \"{}\", expected \"BOOLEAN\". SQLSTATE: 42K0E",
                        quote_ident(&display_name(&c)),
                        crate::types::simple_string(&p.data_type).to_uppercase()
                    ),
                ));
            }
            // A SQL string condition (`expr("a = b AND …")`) resolves to one tree: its conjuncts are split here.
            let mut resolved = Vec::new();
            split_resolved_and(p, &mut resolved);
            for p in resolved {
                if let PhysicalKind::Binary { op: BinaryOp::Eq, left: a, right: b } = &p.kind {
                    let side = |e: &PhysicalExpr| {
                        let mut cols = Vec::new();
                        e.columns(&mut cols);
                        if cols.is_empty() {
                            0
                        } else if cols.iter().all(|&c| c < nl) {
                            1
                        } else if cols.iter().all(|&c| c >= nl) {
                            2
                        } else {
                            3
                        }
                    };
                    let (sa, sb) = (side(a), side(b));
                    if (sa, sb) == (1, 2) || (sa, sb) == (2, 1) {
                        let (l, rr) = if sa == 1 { (a, b) } else { (b, a) };
                        lk.push((**l).clone());
                        rk.push(rr.map_columns(&|c| c - nl));
                        continue;
                    }
                }
                rest.push(p);
            }
        }
    }
    let filter = rest.into_iter().reduce(|a, b| {
        let n = a.nullable || b.nullable;
        PhysicalExpr::new(
            PhysicalKind::Binary { op: BinaryOp::And, left: Box::new(a), right: Box::new(b) },
            DataType::Boolean,
            n,
        )
    });
    let schema = join_schema(left, right, jt);
    Ok(LogicalPlan::new(
        PlanNode::Join {
            left: left.clone(),
            right: right.clone(),
            join_type: jt,
            left_keys: lk,
            right_keys: rk,
            filter,
        },
        schema,
    ))
}

fn split_resolved_and(e: PhysicalExpr, out: &mut Vec<PhysicalExpr>) {
    match e.kind {
        PhysicalKind::Binary { op: BinaryOp::And, left, right } => {
            split_resolved_and(*left, out);
            split_resolved_and(*right, out);
        }
        kind => out.push(PhysicalExpr { kind, ..e }),
    }
}

fn split_and(e: &Expr, out: &mut Vec<Expr>) {
    match e {
        Expr::Binary { op: BinaryOp::And, left, right } => {
            split_and(left, out);
            split_and(right, out);
        }
        other => out.push(other.clone()),
    }
}

/// `spark.range(start, end, step, numPartitions)`.
pub fn range(start: i64, end: i64, step: i64, partitions: usize) -> Result<Plan> {
    if step == 0 {
        return Err(EmberError::illegal_argument("requirement failed: step (0) cannot be 0"));
    }
    let schema = PlanSchema::fresh(Fields::from(vec![Field::new("id", DataType::Int64, false)]));
    Ok(LogicalPlan::new(PlanNode::Range { start, end, step, partitions: partitions.max(1) }, schema))
}

/// In-memory rows.
pub fn values(fields: Fields, batches: Vec<arrow::array::RecordBatch>) -> Plan {
    LogicalPlan::new(PlanNode::Values { batches: Arc::new(batches) }, PlanSchema::fresh(fields))
}

/// The same plan with fresh attribute ids (a self-join's right side, a re-read view).
pub fn fresh_ids(input: &Plan) -> Plan {
    let schema = PlanSchema::fresh(input.schema.fields.clone());
    let exprs = input
        .schema
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| PhysicalExpr::column(i, f.data_type().clone(), f.is_nullable()))
        .collect();
    LogicalPlan::new(PlanNode::Project { input: input.clone(), exprs }, schema)
}

/// `df.withWatermark(column, delay)`: on a batch DataFrame nothing (Spark drops it); on a stream an
/// `EventTimeWatermark` step that marks `column` as the event time (and unmarks any other).
pub fn with_watermark(input: &Plan, column: &str, delay: &str, cfg: AnalysisConfig) -> Result<Plan> {
    let (months, micros) = crate::expr::functions::datetime::parse_calendar_interval(delay)?;
    if months < 0 || micros < 0 {
        return Err(EmberError::illegal_argument(format!(
            "requirement failed: delay threshold ({delay}) should not be negative."
        )));
    }
    if !input.is_streaming() {
        return Ok(input.clone());
    }
    // A month counts as 31 days, as in Spark's EventTimeWatermark.
    let delay_ms = months * 31 * 86_400_000 + micros / 1000;
    let mut r = Resolver::new(&input.schema, cfg.case_sensitive);
    let parts = crate::expr::expr::split_name_parts(column);
    let resolved = r.resolve(&Expr::Column(parts))?;
    let index = match resolved.kind {
        PhysicalKind::Column(i) => i,
        _ => return Err(EmberError::analysis(format!("Cannot resolve the event time column {column}"))),
    };
    let ok = match input.schema.fields[index].data_type() {
        DataType::Timestamp(_, _) => true,
        DataType::Struct(f) => f.len() == 2 && matches!(f[1].data_type(), DataType::Timestamp(_, _)),
        _ => false,
    };
    if !ok {
        return Err(EmberError::analysis_class(
            "EVENT_TIME_IS_NOT_ON_TIMESTAMP_TYPE",
            format!(
                "The event time `{}` has the invalid type \"{}\", but expected \"TIMESTAMP\". SQLSTATE: 42K09",
                input.schema.fields[index].name(),
                crate::types::simple_string(input.schema.fields[index].data_type()).to_uppercase()
            ),
        ));
    }
    let mut schema = input.schema.clone();
    for (i, a) in schema.attrs.iter_mut().enumerate() {
        a.watermark_delay_ms = if i == index { Some(delay_ms) } else { None };
    }
    Ok(LogicalPlan::new(PlanNode::EventTimeWatermark { input: input.clone(), column: index, delay_ms }, schema))
}

/// `groupBy(keys).applyInPandasWithState(...)`: `output` is the function's output schema.
#[allow(clippy::too_many_arguments)]
pub fn flat_map_groups_with_state(
    input: &Plan,
    keys: &[Expr],
    func: Arc<dyn crate::plan::group_state_spec::GroupFunction>,
    output: Fields,
    state: Fields,
    output_mode: &str,
    timeout: &str,
    grouped_map: bool,
    cfg: AnalysisConfig,
) -> Result<Plan> {
    let append = match output_mode.to_ascii_lowercase().as_str() {
        "append" => true,
        "update" => false,
        _ => {
            return Err(EmberError::illegal_argument(format!(
                "[STREAMING_OUTPUT_MODE.INVALID] Invalid streaming output mode: {output_mode}. Accepted output modes are 'Append', 'Complete', 'Update'. SQLSTATE: 42KDE"
            )))
        }
    };
    let timeout = crate::plan::group_state_spec::GroupTimeout::parse(timeout)?;
    let keys = expand_stars(input, keys, cfg)?;
    let key_names = keys.iter().map(display_name).collect();
    let mut r = Resolver::new(&input.schema, cfg.case_sensitive);
    let keys: Vec<PhysicalExpr> = keys.iter().map(|k| r.resolve(k)).collect::<Result<_>>()?;
    let event_column = input.schema.attrs.iter().position(|a| a.watermark_delay_ms.is_some());
    let spec = crate::plan::group_state_spec::GroupStateSpec {
        func,
        keys,
        key_names,
        state_schema: Arc::new(arrow::datatypes::Schema::new(state)),
        append,
        timeout,
        event_column,
        has_watermark: event_column.is_some(),
        grouped_map,
    };
    Ok(LogicalPlan::new(PlanNode::FlatMapGroupsWithState { input: input.clone(), spec }, PlanSchema::fresh(output)))
}

/// `mapInPandas` / `mapInArrow`: `func`'s rows with the declared `output` columns.
pub fn map_batches(
    input: &Arc<LogicalPlan>,
    func: Arc<dyn crate::plan::map_batches::BatchFunction>,
    output: Fields,
) -> Result<Arc<LogicalPlan>> {
    Ok(LogicalPlan::new(PlanNode::MapBatches { input: input.clone(), func }, PlanSchema::fresh(output)))
}

/// `groupBy(keys).transformWithState[InPandas](...)`: `output` is the processor's output schema. Its state
/// variables are declared later, when the query is planned (`TransformWithStateSpec::declared`). `initial` is
/// `initialState`: a DataFrame and its grouping keys; `event_time_column` is `eventTimeColumnName`.
#[allow(clippy::too_many_arguments)]
pub fn transform_with_state(
    input: &Plan,
    keys: &[Expr],
    func: Arc<dyn crate::plan::stateful_processor_spec::ProcessorFunction>,
    output: Fields,
    output_mode: &str,
    time_mode: &str,
    pandas: bool,
    initial: Option<(Plan, Vec<Expr>)>,
    event_time_column: Option<&str>,
    cfg: AnalysisConfig,
) -> Result<Plan> {
    use crate::plan::stateful_processor_spec::{InitialState, TimeMode, TransformWithStateSpec};
    let append = match output_mode.to_ascii_lowercase().as_str() {
        "append" => true,
        "update" => false,
        // Spark accepts complete here; the streaming checks refuse it without an aggregation.
        "complete" => false,
        _ => {
            return Err(EmberError::with_condition(
                crate::error::ErrorKind::IllegalArgument,
                "STREAMING_OUTPUT_MODE.INVALID",
                [("outputMode", output_mode)],
            ))
        }
    };
    let time_mode = TimeMode::parse(time_mode)?;
    let keys = expand_stars(input, keys, cfg)?;
    let mut r = Resolver::new(&input.schema, cfg.case_sensitive);
    let keys: Vec<PhysicalExpr> = keys.iter().map(|k| r.resolve(k)).collect::<Result<_>>()?;
    let initial_state = match initial {
        Some((plan, init_keys)) => {
            Some(InitialState { keys: initial_state_keys(&plan, &init_keys, &keys, cfg)?, plan })
        }
        None => None,
    };
    let event_column = input.schema.attrs.iter().position(|a| a.watermark_delay_ms.is_some());
    let mut schema = PlanSchema::fresh(output);
    let output_event_column = match event_time_column {
        Some(name) => Some(output_event_time_column(&mut schema, name, event_column.is_some(), cfg)?),
        None => None,
    };
    let spec = TransformWithStateSpec {
        func,
        keys,
        variables: Vec::new(),
        append,
        time_mode,
        event_column,
        has_watermark: event_column.is_some(),
        pandas,
        initial_state,
        output_event_column,
    };
    Ok(LogicalPlan::new(PlanNode::TransformWithState { input: input.clone(), spec }, schema))
}

/// The initial state's grouping keys, resolved against its DataFrame; they must have the operator's key types,
/// as its groups are matched to the input's by value.
fn initial_state_keys(
    plan: &Plan,
    keys: &[Expr],
    input_keys: &[PhysicalExpr],
    cfg: AnalysisConfig,
) -> Result<Vec<PhysicalExpr>> {
    let keys = expand_stars(plan, keys, cfg)?;
    let mut r = Resolver::new(&plan.schema, cfg.case_sensitive);
    let keys: Vec<PhysicalExpr> = keys.iter().map(|k| r.resolve(k)).collect::<Result<_>>()?;
    let types = |ks: &[PhysicalExpr]| {
        ks.iter().map(|k| crate::types::simple_string(&k.data_type)).collect::<Vec<_>>().join(", ")
    };
    if keys.len() != input_keys.len() || keys.iter().zip(input_keys).any(|(a, b)| a.data_type != b.data_type) {
        return Err(EmberError::analysis(format!(
            "The grouping keys of transformWithState's initialState ({}) must have the types of the input's grouping keys ({})",
            types(&keys),
            types(input_keys)
        )));
    }
    Ok(keys)
}

/// `eventTimeColumnName`: the output column marked as the event time for operators downstream; the input must
/// have a watermark (Spark's rules and errors).
fn output_event_time_column(
    schema: &mut PlanSchema,
    name: &str,
    has_watermark: bool,
    cfg: AnalysisConfig,
) -> Result<usize> {
    if !has_watermark {
        return Err(EmberError::with_condition(
            crate::error::ErrorKind::Analysis,
            "CANNOT_ASSIGN_EVENT_TIME_COLUMN_WITHOUT_WATERMARK",
            Vec::<(&str, String)>::new(),
        ));
    }
    let mut r = Resolver::new(schema, cfg.case_sensitive);
    let resolved = r.resolve(&Expr::Column(crate::expr::expr::split_name_parts(name)))?;
    let PhysicalKind::Column(index) = resolved.kind else {
        return Err(EmberError::analysis(format!("Cannot resolve the event time column {name}")));
    };
    // Spark checks the column's type only when a row comes out (`stream::operator::transform_with_state`).
    if !matches!(schema.fields[index].data_type(), DataType::Timestamp(_, _)) {
        return Ok(index);
    }
    schema.attrs[index].watermark_delay_ms = Some(0);
    Ok(index)
}
