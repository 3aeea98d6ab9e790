//! The analyzer for expressions: binds column names to input columns, applies Spark's implicit casts, picks
//! function implementations and computes Spark's generated column names.
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BooleanArray};
use arrow::datatypes::DataType;

use crate::error::{EmberError, Result};
use crate::expr::coercion::{bounded_decimal, decimal_for_integral, find_wider_common_type, tightest_common_type};
use crate::expr::expr::{BinaryOp, Expr};
use crate::expr::functions::{registry, AggregateFunction, ArgInfo, FunctionDef, Signature};
use crate::expr::physical::{PhysicalExpr, PhysicalKind};
use crate::expr::schema::PlanSchema;
use crate::types::{is_integral, is_numeric, is_string, simple_string};

/// An aggregate call found while resolving an aggregation's output expressions.
#[derive(Clone)]
pub struct ExtractedAggregate {
    pub func: Arc<dyn AggregateFunction>,
    pub args: Vec<PhysicalExpr>,
    pub signature: Signature,
    pub distinct: bool,
    pub name: String,
}

/// Resolves expressions against one input schema.
pub struct Resolver<'a> {
    pub schema: &'a PlanSchema,
    pub case_sensitive: bool,
    /// When set, aggregate calls are collected here and replaced by references to column
    /// `agg_offset + i` of the aggregate's output; when None, an aggregate call is an error.
    pub aggregates: Option<&'a mut Vec<ExtractedAggregate>>,
    pub agg_offset: usize,
    /// Grouping expressions (by generated name) that output expressions may reference after aggregation.
    pub group_names: Vec<String>,
    /// For each grouping expression that is a plain input column, that column's index.
    pub group_columns: Vec<Option<usize>>,
    /// Type and nullability of each grouping expression (the aggregation's first output columns).
    pub group_types: Vec<(DataType, bool)>,
}

fn names_equal(a: &str, b: &str, case_sensitive: bool) -> bool {
    if case_sensitive {
        a == b
    } else {
        a.eq_ignore_ascii_case(b)
    }
}

/// Quote a name part as Spark does in messages: `` `a` ``.
pub fn quote_ident(s: &str) -> String {
    format!("`{}`", s.replace('`', "``"))
}

fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Spark's `[UNRESOLVED_COLUMN.WITH_SUGGESTION]` error for `name` over `schema`.
pub fn unresolved_column(name: &[String], schema: &PlanSchema) -> EmberError {
    let wanted = name.iter().map(|p| quote_ident(p)).collect::<Vec<_>>().join(".");
    let plain = name.join(".");
    let mut candidates: Vec<(usize, String)> = schema
        .fields
        .iter()
        .zip(&schema.attrs)
        .map(|(f, a)| {
            let text = match &a.qualifier {
                Some(q) => format!("{}.{}", quote_ident(q), quote_ident(f.name())),
                None => quote_ident(f.name()),
            };
            (levenshtein(&plain, f.name()), text)
        })
        .collect();
    candidates.sort();
    candidates.dedup_by(|a, b| a.1 == b.1);
    if candidates.is_empty() {
        return EmberError::analysis_condition("UNRESOLVED_COLUMN.WITHOUT_SUGGESTION", [("objectName", wanted)]);
    }
    let list = candidates.iter().take(5).map(|c| c.1.clone()).collect::<Vec<_>>().join(", ");
    EmberError::analysis_condition("UNRESOLVED_COLUMN.WITH_SUGGESTION", [("objectName", wanted), ("proposal", list)])
}

fn literal_expr(a: ArrayRef) -> PhysicalExpr {
    let dt = a.data_type().clone();
    let nullable = a.logical_null_count() > 0;
    PhysicalExpr::new(PhysicalKind::Literal(a), dt, nullable)
}

/// Wrap `e` in a cast to `to` unless it already has that type.
pub fn cast_to(e: PhysicalExpr, to: &DataType) -> PhysicalExpr {
    if &e.data_type == to {
        return e;
    }
    let nullable = e.nullable || cast_may_null(&e.data_type, to);
    PhysicalExpr::new(PhysicalKind::Cast(Box::new(e)), to.clone(), nullable)
}

fn cast_may_null(from: &DataType, to: &DataType) -> bool {
    is_string(from) && !is_string(to) || (is_numeric(from) && is_numeric(to) && !matches!(to, DataType::Float64))
}

impl<'a> Resolver<'a> {
    pub fn new(schema: &'a PlanSchema, case_sensitive: bool) -> Self {
        Resolver {
            schema,
            case_sensitive,
            aggregates: None,
            agg_offset: 0,
            group_names: vec![],
            group_columns: vec![],
            group_types: vec![],
        }
    }

    /// `s["f"]` on a struct is a field access (named `s.f` as Spark names it); rewrite before naming.
    pub fn normalize_struct_items(&self, e: &Expr) -> Expr {
        e.clone().transform_up(&mut |x| match x {
            Expr::GetItem { expr, key } => {
                let is_struct = Resolver::new(self.schema, self.case_sensitive)
                    .resolve(&expr)
                    .map(|p| matches!(p.data_type, DataType::Struct(_)))
                    .unwrap_or(false);
                match (&*key, is_struct) {
                    (Expr::Literal(l), true) if is_string(l.data_type()) && l.0.logical_null_count() == 0 => {
                        let name = arrow::array::as_string_array(&l.0).value(0).to_string();
                        Expr::GetField { expr, name }
                    }
                    _ => Expr::GetItem { expr, key },
                }
            }
            other => other,
        })
    }

    /// Find the column for a name; returns its index and how many leading parts it consumed.
    pub fn lookup(&self, parts: &[String]) -> Result<(usize, usize)> {
        let fields = &self.schema.fields;
        // qualifier.column
        if parts.len() >= 2 {
            let hits: Vec<usize> = (0..fields.len())
                .filter(|&i| {
                    self.schema.attrs[i]
                        .qualifier
                        .as_deref()
                        .is_some_and(|q| names_equal(q, &parts[0], self.case_sensitive))
                        && names_equal(fields[i].name(), &parts[1], self.case_sensitive)
                })
                .collect();
            if hits.len() == 1 {
                return Ok((hits[0], 2));
            }
            if hits.len() > 1 {
                return Err(self.ambiguous(&parts[..2], &hits));
            }
        }
        let hits: Vec<usize> =
            (0..fields.len()).filter(|&i| names_equal(fields[i].name(), &parts[0], self.case_sensitive)).collect();
        match hits.len() {
            1 => Ok((hits[0], 1)),
            0 => {
                // A field name containing dots (e.g. after a join or from a file header).
                let joined = parts.join(".");
                if parts.len() > 1 {
                    if let Some(i) =
                        (0..fields.len()).find(|&i| names_equal(fields[i].name(), &joined, self.case_sensitive))
                    {
                        return Ok((i, parts.len()));
                    }
                }
                Err(unresolved_column(parts, self.schema))
            }
            _ => Err(self.ambiguous(&parts[..1], &hits)),
        }
    }

    fn ambiguous(&self, parts: &[String], hits: &[usize]) -> EmberError {
        let name = parts.iter().map(|p| quote_ident(p)).collect::<Vec<_>>().join(".");
        let cands: Vec<String> = hits
            .iter()
            .map(|&i| match &self.schema.attrs[i].qualifier {
                Some(q) => format!("{}.{}", quote_ident(q), quote_ident(self.schema.fields[i].name())),
                None => quote_ident(self.schema.fields[i].name()),
            })
            .collect();
        EmberError::analysis_class(
            "AMBIGUOUS_REFERENCE",
            format!("Reference {name} is ambiguous, could be: [{}]. SQLSTATE: 42704", cands.join(", ")),
        )
    }

    fn column(&self, index: usize) -> PhysicalExpr {
        let f = &self.schema.fields[index];
        PhysicalExpr::new(PhysicalKind::Column(index), f.data_type().clone(), f.is_nullable())
    }

    /// An input column referenced by an aggregation's output: only grouping columns may be.
    fn output_column(&self, index: usize, name: &str) -> Result<PhysicalExpr> {
        if self.aggregates.is_none() {
            return Ok(self.column(index));
        }
        if self.group_names.is_empty() {
            return Err(EmberError::analysis_class(
                "MISSING_GROUP_BY",
                "The query does not include a GROUP BY clause. Add GROUP BY or turn it into the window functions using OVER clauses. SQLSTATE: 42803",
            ));
        }
        match self.group_columns.iter().position(|g| *g == Some(index)) {
            Some(g) => {
                let f = &self.schema.fields[index];
                Ok(PhysicalExpr::new(PhysicalKind::Column(g), f.data_type().clone(), f.is_nullable()))
            }
            None => Err(EmberError::analysis_class(
                "MISSING_AGGREGATION",
                format!(
                    "The non-aggregating expression \"{name}\" is based on columns which are not participating in the GROUP BY clause. Add the columns or the expression to the GROUP BY, aggregate the expression, or use \"any_value({name})\" if you do not care which of the values within a group is returned. SQLSTATE: 42803"
                ),
            )),
        }
    }

    /// Resolve one expression.
    #[recursive::recursive]
    pub fn resolve(&mut self, e: &Expr) -> Result<PhysicalExpr> {
        let _level = crate::expr::depth::DepthGuard::enter()?;
        // After aggregation, an output expression equal to a grouping expression refers to that group column.
        if self.aggregates.is_some()
            && !self.group_names.is_empty()
            && !matches!(e, Expr::Literal(_) | Expr::Alias { .. })
        {
            let name = display_name(e);
            if let Some(i) = self.group_names.iter().position(|g| g == &name) {
                let (dt, nullable) = self.group_types[i].clone();
                return Ok(PhysicalExpr::new(PhysicalKind::Column(i), dt, nullable));
            }
        }
        match e {
            Expr::Column(parts) => {
                let (idx, used) = self.lookup(parts)?;
                let mut out = self.output_column(idx, &parts.join("."))?;
                for p in &parts[used..] {
                    out = get_field(out, p, self.case_sensitive)?;
                }
                Ok(out)
            }
            Expr::Attribute { id, name } => {
                match self.schema.attrs.iter().position(|a| a.id == *id) {
                    Some(i) => self.output_column(i, name),
                    None => {
                        // The column came from another DataFrame; fall back to resolving by name as Spark 4 does
                        // when the plan ids no longer match, but only if the name is unambiguous.
                        let (i, _) = self.lookup(std::slice::from_ref(name)).map_err(|_| {
                            EmberError::analysis_class(
                                "CANNOT_RESOLVE_DATAFRAME_COLUMN",
                                format!(
                                    "Cannot resolve dataframe column {}. It's probably because of illegal references like `df1.select(df2.col(\"a\"))`. SQLSTATE: 42704",
                                    quote_ident(name)
                                ),
                            )
                        })?;
                        self.output_column(i, name)
                    }
                }
            }
            Expr::Literal(l) | Expr::NamedLiteral { value: l, .. } => Ok(literal_expr(l.0.clone())),
            Expr::Alias { expr, .. } | Expr::MultiAlias { expr, .. } => self.resolve(expr),
            Expr::Cast { expr, to } => {
                let inner = self.resolve(expr)?;
                if !crate::expr::cast::can_cast(&inner.data_type, to) {
                    return Err(EmberError::analysis_class(
                        "DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION",
                        format!(
                            "Cannot resolve \"{}\" due to data type mismatch: cannot cast \"{}\" to \"{}\". SQLSTATE: 42K09",
                            display_name(e),
                            simple_string(&inner.data_type).to_uppercase(),
                            simple_string(to).to_uppercase()
                        ),
                    ));
                }
                let nullable = inner.nullable || cast_may_null(&inner.data_type, to);
                Ok(PhysicalExpr::new(PhysicalKind::Cast(Box::new(inner)), to.clone(), nullable))
            }
            Expr::Binary { op, left, right } => {
                let l = self.resolve(left)?;
                let r = self.resolve(right)?;
                resolve_binary(*op, l, r, e)
            }
            Expr::Not(inner) => {
                let i = self.resolve(inner)?;
                let i = require_boolean(i, e)?;
                let n = i.nullable;
                Ok(PhysicalExpr::new(PhysicalKind::Not(Box::new(i)), DataType::Boolean, n))
            }
            Expr::Negative(inner) => {
                let mut i = self.resolve(inner)?;
                if is_string(&i.data_type) {
                    i = cast_to(i, &DataType::Float64);
                }
                if !is_numeric(&i.data_type) && !matches!(i.data_type, DataType::Duration(_) | DataType::Null) {
                    return Err(type_mismatch(e, "NUMERIC", &i.data_type));
                }
                let (dt, n) = (i.data_type.clone(), i.nullable);
                Ok(PhysicalExpr::new(PhysicalKind::Negative(Box::new(i)), dt, n))
            }
            Expr::IsNull(inner) => {
                let i = self.resolve(inner)?;
                Ok(PhysicalExpr::new(PhysicalKind::IsNull(Box::new(i)), DataType::Boolean, false))
            }
            Expr::IsNotNull(inner) => {
                let i = self.resolve(inner)?;
                Ok(PhysicalExpr::new(PhysicalKind::IsNotNull(Box::new(i)), DataType::Boolean, false))
            }
            Expr::Function { name, args, distinct } => self.resolve_function(e, name, args, *distinct),
            Expr::UserFunction { func, args } => match func.0.as_aggregate() {
                Some(agg) => self.resolve_aggregate(e, agg, args, false),
                None => self.resolve_scalar(func.0.clone(), args),
            },
            Expr::CaseWhen { branches, otherwise } => {
                let mut conds = Vec::new();
                let mut values = Vec::new();
                for (c, v) in branches {
                    conds.push(require_boolean(self.resolve(c)?, e)?);
                    values.push(self.resolve(v)?);
                }
                let other = match otherwise {
                    Some(o) => Some(self.resolve(o)?),
                    None => None,
                };
                let mut types: Vec<DataType> = values.iter().map(|v| v.data_type.clone()).collect();
                if let Some(o) = &other {
                    types.push(o.data_type.clone());
                }
                let common = find_wider_common_type(&types).ok_or_else(|| {
                    EmberError::analysis_class(
                        "DATATYPE_MISMATCH.DATA_DIFF_TYPES",
                        format!("Cannot resolve \"{}\" due to data type mismatch: Input to `casewhen` should all be the same type, but it's [{}]. SQLSTATE: 42K09",
                            display_name(e), types.iter().map(|t| format!("\"{}\"", simple_string(t).to_uppercase())).collect::<Vec<_>>().join(", ")),
                    )
                })?;
                let nullable = other.as_ref().map(|o| o.nullable).unwrap_or(true) || values.iter().any(|v| v.nullable);
                let branches = conds.into_iter().zip(values.into_iter().map(|v| cast_to(v, &common))).collect();
                let otherwise = other.map(|o| Box::new(cast_to(o, &common)));
                Ok(PhysicalExpr::new(PhysicalKind::CaseWhen { branches, otherwise }, common, nullable))
            }
            Expr::InList { expr, list, negated } => {
                let v = self.resolve(expr)?;
                let items: Vec<PhysicalExpr> = list.iter().map(|x| self.resolve(x)).collect::<Result<_>>()?;
                let mut types = vec![v.data_type.clone()];
                types.extend(items.iter().map(|i| i.data_type.clone()));
                let common = comparison_common_type_many(&types).ok_or_else(|| {
                    EmberError::analysis_class(
                        "DATATYPE_MISMATCH.DATA_DIFF_TYPES",
                        format!("Cannot resolve \"{}\" due to data type mismatch: Input to `in` should all be the same type, but it's [{}]. SQLSTATE: 42K09",
                            display_name(e), types.iter().map(|t| format!("\"{}\"", simple_string(t).to_uppercase())).collect::<Vec<_>>().join(", ")),
                    )
                })?;
                let nullable = v.nullable || items.iter().any(|i| i.nullable);
                Ok(PhysicalExpr::new(
                    PhysicalKind::InList {
                        expr: Box::new(cast_to(v, &common)),
                        list: items.into_iter().map(|i| cast_to(i, &common)).collect(),
                        negated: *negated,
                    },
                    DataType::Boolean,
                    nullable,
                ))
            }
            Expr::GetField { expr, name } => {
                let base = self.resolve(expr)?;
                get_field(base, name, self.case_sensitive)
            }
            Expr::GetItem { expr, key } => {
                let base = self.resolve(expr)?;
                let key = self.resolve(key)?;
                match &base.data_type {
                    DataType::Struct(_) => match key.kind {
                        PhysicalKind::Literal(ref a) if is_string(a.data_type()) => {
                            let s = arrow::array::as_string_array(a).value(0).to_string();
                            get_field(base, &s, self.case_sensitive)
                        }
                        _ => Err(EmberError::analysis_class("INVALID_EXTRACT_FIELD_TYPE", "Field name should be a non-null string literal. SQLSTATE: 42000")),
                    },
                    DataType::List(f) => {
                        let elem = f.data_type().clone();
                        let key = cast_to(key, &DataType::Int32);
                        Ok(PhysicalExpr::new(PhysicalKind::Function { func: get_item_fn(), args: vec![base, key] }, elem, true))
                    }
                    DataType::Map(entries, _) => {
                        let DataType::Struct(kv) = entries.data_type() else { unreachable!() };
                        let (kt, vt) = (kv[0].data_type().clone(), kv[1].data_type().clone());
                        let key = cast_to(key, &kt);
                        Ok(PhysicalExpr::new(PhysicalKind::Function { func: get_item_fn(), args: vec![base, key] }, vt, true))
                    }
                    other => Err(EmberError::analysis_class(
                        "INVALID_EXTRACT_BASE_FIELD_TYPE",
                        format!(
                            "Can't extract a value from \"{}\". Need a complex type [STRUCT, ARRAY, MAP] but got \"{}\". SQLSTATE: 42000",
                            display_name(expr),
                            simple_string(other).to_uppercase()
                        ),
                    )),
                }
            }
            Expr::Like { expr, pattern, negated, case_insensitive, escape } => {
                let name = if *case_insensitive { "ilike" } else { "like" };
                let esc = Expr::lit(Arc::new(arrow::array::StringArray::from(vec![escape.to_string()])));
                let call = Expr::Function {
                    name: name.into(),
                    args: vec![(**expr).clone(), (**pattern).clone(), esc],
                    distinct: false,
                };
                let r = self.resolve(&call)?;
                if *negated {
                    let n = r.nullable;
                    Ok(PhysicalExpr::new(PhysicalKind::Not(Box::new(r)), DataType::Boolean, n))
                } else {
                    Ok(r)
                }
            }
            Expr::Sort { expr, .. } => self.resolve(expr),
            Expr::Star(_) => Err(EmberError::analysis_class(
                "INVALID_USAGE_OF_STAR_OR_REGEX",
                "Invalid usage of '*' in expression. SQLSTATE: 42000",
            )),
            Expr::Window(_) => Err(EmberError::not_implemented("window functions over a window specification")),
        }
    }

    fn resolve_scalar(
        &mut self,
        func: Arc<dyn crate::expr::functions::ScalarFunction>,
        args: &[Expr],
    ) -> Result<PhysicalExpr> {
        let resolved: Vec<PhysicalExpr> = args.iter().map(|a| self.resolve(a)).collect::<Result<_>>()?;
        let infos = arg_infos(&resolved, args);
        let sig = func.resolve(&infos)?;
        let args = resolved.into_iter().zip(&sig.arg_types).map(|(a, t)| cast_to(a, t)).collect();
        Ok(PhysicalExpr::new(PhysicalKind::Function { func, args }, sig.return_type, sig.nullable))
    }

    /// An aggregate call: its arguments resolved against the aggregation's input, the call extracted into the
    /// Aggregate node (once per generated name), a reference to its result returned.
    fn resolve_aggregate(
        &mut self,
        e: &Expr,
        func: Arc<dyn crate::expr::functions::AggregateFunction>,
        args: &[Expr],
        distinct: bool,
    ) -> Result<PhysicalExpr> {
        let Some(_) = self.aggregates.as_ref() else {
            return Err(EmberError::analysis_class(
                "MISSING_GROUP_BY",
                "The query does not include a GROUP BY clause. Add GROUP BY or turn it into the window functions using OVER clauses. SQLSTATE: 42803",
            ));
        };
        // Aggregate arguments see the aggregation's input, not its output: resolve them without nesting.
        let mut inner = Resolver::new(self.schema, self.case_sensitive);
        let resolved: Vec<PhysicalExpr> = args.iter().map(|a| inner.resolve(a)).collect::<Result<_>>()?;
        let infos = arg_infos(&resolved, args);
        let sig = func.resolve(&infos, distinct)?;
        let cast_args: Vec<PhysicalExpr> =
            resolved.into_iter().zip(&sig.arg_types).map(|(a, t)| cast_to(a, t)).collect();
        let display = display_name(e);
        let list = self.aggregates.as_mut().unwrap();
        let idx = match list.iter().position(|x| x.name == display) {
            Some(i) => i,
            None => {
                list.push(ExtractedAggregate {
                    func,
                    args: cast_args,
                    signature: sig.clone(),
                    distinct,
                    name: display,
                });
                list.len() - 1
            }
        };
        let sig = &list[idx].signature;
        Ok(PhysicalExpr::new(PhysicalKind::Column(self.agg_offset + idx), sig.return_type.clone(), sig.nullable))
    }

    fn resolve_function(&mut self, e: &Expr, name: &str, args: &[Expr], distinct: bool) -> Result<PhysicalExpr> {
        // A function registered by the session (`spark.udf.register`) hides a built-in of the same name, as in Spark.
        if let Some(func) = crate::expr::functions::user_defined::lookup(name) {
            if let Some(agg) = func.as_aggregate() {
                return self.resolve_aggregate(e, agg, args, distinct);
            }
            return self.resolve_scalar(func, args);
        }
        let def = registry().get(name).cloned().ok_or_else(|| {
            EmberError::analysis_class(
                "UNRESOLVED_ROUTINE",
                format!(
                    "Cannot resolve routine {} on search path [`system`.`builtin`, `system`.`session`, `spark_catalog`.`default`]. SQLSTATE: 42883",
                    quote_ident(name)
                ),
            )
        })?;
        match def {
            FunctionDef::Scalar(func) => self.resolve_scalar(func, args),
            FunctionDef::Aggregate(func) => self.resolve_aggregate(e, func, args, distinct),
            FunctionDef::Generator { func, .. } => Err(EmberError::analysis_class(
                "UNSUPPORTED_GENERATOR.OUTSIDE_SELECT",
                format!(
                    "The generator is not supported: outside the SELECT clause, found: {}. SQLSTATE: 42K0E",
                    func.name()
                ),
            )),
        }
    }
}

fn arg_infos(resolved: &[PhysicalExpr], args: &[Expr]) -> Vec<ArgInfo> {
    resolved
        .iter()
        .zip(args)
        .map(|(r, a)| ArgInfo {
            data_type: r.data_type.clone(),
            nullable: r.nullable,
            literal: match &r.kind {
                PhysicalKind::Literal(l) => Some(l.clone()),
                // Spark takes any foldable expression where a function wants a constant (`array(0.25, 0.75)` as
                // percentile's percentages). A deterministic call over literals is folded here; only one level
                // deep, so a deep constant tree is not evaluated again at each of its levels.
                PhysicalKind::Function { func, args }
                    if func.deterministic() && args.iter().all(|a| matches!(a.kind, PhysicalKind::Literal(_))) =>
                {
                    fold_constant(r)
                }
                _ => None,
            },
            sql: display_name(a),
        })
        .collect()
}

/// The value of a constant expression, as a one-row array; None when it fails (it then fails where it runs).
fn fold_constant(e: &PhysicalExpr) -> Option<ArrayRef> {
    let options = arrow::array::RecordBatchOptions::new().with_row_count(Some(1));
    let schema = Arc::new(arrow::datatypes::Schema::empty());
    let batch = arrow::array::RecordBatch::try_new_with_options(schema, vec![], &options).ok()?;
    e.evaluate(&batch, &crate::context::EvalContext::default()).ok().filter(|a| a.len() == 1)
}

fn get_item_fn() -> Arc<dyn crate::expr::functions::ScalarFunction> {
    Arc::new(crate::expr::physical_eval::GetItem)
}

fn get_field(base: PhysicalExpr, name: &str, case_sensitive: bool) -> Result<PhysicalExpr> {
    match &base.data_type {
        DataType::Struct(fields) => {
            let hits: Vec<usize> =
                (0..fields.len()).filter(|&i| names_equal(fields[i].name(), name, case_sensitive)).collect();
            match hits.as_slice() {
                [i] => {
                    let f = &fields[*i];
                    let (dt, n) = (f.data_type().clone(), f.is_nullable() || base.nullable);
                    Ok(PhysicalExpr::new(PhysicalKind::GetField { expr: Box::new(base), index: *i }, dt, n))
                }
                [] => Err(EmberError::analysis_class(
                    "FIELD_NOT_FOUND",
                    format!(
                        "No such struct field {} in {}. SQLSTATE: 42704",
                        quote_ident(name),
                        fields.iter().map(|f| quote_ident(f.name())).collect::<Vec<_>>().join(", ")
                    ),
                )),
                _ => Err(EmberError::analysis_class("AMBIGUOUS_REFERENCE_TO_FIELDS", format!("Ambiguous reference to the field {} . SQLSTATE: 42000", quote_ident(name)))),
            }
        }
        other => Err(EmberError::analysis_class(
            "INVALID_EXTRACT_BASE_FIELD_TYPE",
            format!(
                "Can't extract a value from \"{}\". Need a complex type [STRUCT, ARRAY, MAP] but got \"{}\". SQLSTATE: 42000",
                name,
                simple_string(other).to_uppercase()
            ),
        )),
    }
}

fn require_boolean(e: PhysicalExpr, whole: &Expr) -> Result<PhysicalExpr> {
    match &e.data_type {
        DataType::Boolean => Ok(e),
        DataType::Null => Ok(cast_to(e, &DataType::Boolean)),
        other => Err(type_mismatch(whole, "BOOLEAN", other)),
    }
}

fn type_mismatch(e: &Expr, wanted: &str, got: &DataType) -> EmberError {
    EmberError::analysis_class(
        "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
        format!(
            "Cannot resolve \"{}\" due to data type mismatch: The first parameter requires the \"{wanted}\" type, however \"{}\" has the type \"{}\". SQLSTATE: 42K09",
            display_name(e),
            display_name(e),
            simple_string(got).to_uppercase()
        ),
    )
}

/// Spark's common type for comparing two values (non-ANSI `findCommonTypeForBinaryComparison`):
/// a string compared with a number is cast to that number's type; with a date/timestamp, to that type.
pub fn comparison_common_type(a: &DataType, b: &DataType) -> Option<DataType> {
    if let Some(t) = tightest_common_type(a, b) {
        return Some(t);
    }
    match (a, b) {
        (s, o) | (o, s) if is_string(s) => match o {
            DataType::Boolean => Some(DataType::Boolean),
            t if is_numeric(t) => Some(t.clone()),
            DataType::Date32 | DataType::Timestamp(_, _) => Some(o.clone()),
            DataType::Binary => Some(DataType::Binary),
            _ => None,
        },
        (DataType::Boolean, n) | (n, DataType::Boolean) if is_numeric(n) => Some(n.clone()),
        _ => crate::expr::coercion::wider_type(a, b),
    }
}

fn comparison_common_type_many(types: &[DataType]) -> Option<DataType> {
    let mut acc = DataType::Null;
    for t in types {
        acc = comparison_common_type(&acc, t)?;
    }
    Some(acc)
}

/// Decimal result type of an arithmetic operator (Spark's DecimalPrecision with allowPrecisionLoss).
fn decimal_result(op: BinaryOp, p1: u8, s1: i8, p2: u8, s2: i8) -> DataType {
    let (p1, s1, p2, s2) = (p1 as i16, s1 as i16, p2 as i16, s2 as i16);
    let adjust = |p: i16, s: i16| -> DataType {
        if p <= 38 {
            DataType::Decimal128(p as u8, s as i8)
        } else {
            let int_digits = p - s;
            let min_scale = s.min(6);
            let scale = (38 - int_digits).max(min_scale);
            DataType::Decimal128(38, scale as i8)
        }
    };
    match op {
        BinaryOp::Plus | BinaryOp::Minus => {
            let s = s1.max(s2);
            adjust((p1 - s1).max(p2 - s2) + s + 1, s)
        }
        BinaryOp::Multiply => adjust(p1 + p2 + 1, s1 + s2),
        BinaryOp::Divide => {
            let s = 6.max(s1 + p2 + 1);
            adjust(p1 - s1 + s2 + s, s)
        }
        _ => {
            let s = s1.max(s2);
            bounded_decimal((p1 - s1).min(p2 - s2) + s, s)
        }
    }
}

fn resolve_binary(op: BinaryOp, l: PhysicalExpr, r: PhysicalExpr, whole: &Expr) -> Result<PhysicalExpr> {
    let (lt, rt) = (l.data_type.clone(), r.data_type.clone());
    let nullable = l.nullable || r.nullable;
    let diff_types = || {
        EmberError::analysis_class(
            "DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES",
            format!(
                "Cannot resolve \"{}\" due to data type mismatch: the left and right operands of the binary operator have incompatible types (\"{}\" and \"{}\"). SQLSTATE: 42K09",
                display_name(whole),
                simple_string(&lt).to_uppercase(),
                simple_string(&rt).to_uppercase()
            ),
        )
    };
    let bin = |l: PhysicalExpr, r: PhysicalExpr, dt: DataType, nullable: bool| {
        PhysicalExpr::new(PhysicalKind::Binary { op, left: Box::new(l), right: Box::new(r) }, dt, nullable)
    };
    match op {
        BinaryOp::And | BinaryOp::Or => {
            let ok = |t: &DataType| matches!(t, DataType::Boolean | DataType::Null);
            if !ok(&lt) || !ok(&rt) {
                return Err(diff_types());
            }
            Ok(bin(cast_to(l, &DataType::Boolean), cast_to(r, &DataType::Boolean), DataType::Boolean, nullable))
        }
        op if op.is_comparison() => {
            let common = comparison_common_type(&lt, &rt).ok_or_else(diff_types)?;
            let nullable = if op == BinaryOp::EqNullSafe { false } else { nullable };
            Ok(bin(cast_to(l, &common), cast_to(r, &common), DataType::Boolean, nullable))
        }
        BinaryOp::BitAnd | BinaryOp::BitOr | BinaryOp::BitXor => {
            let common = tightest_common_type(&lt, &rt)
                .filter(|t| is_integral(t) || *t == DataType::Null)
                .ok_or_else(diff_types)?;
            Ok(bin(cast_to(l, &common), cast_to(r, &common), common, nullable))
        }
        _ => {
            // Date/time arithmetic goes to the datetime functions.
            let temporal =
                |t: &DataType| matches!(t, DataType::Date32 | DataType::Timestamp(_, _) | DataType::Duration(_));
            if (temporal(&lt) || temporal(&rt)) && matches!(op, BinaryOp::Plus | BinaryOp::Minus) {
                return crate::expr::physical_eval::resolve_temporal_arith(op, l, r).ok_or_else(diff_types);
            }
            let to_num = |t: &DataType| if is_string(t) { DataType::Float64 } else { t.clone() };
            let (lt2, rt2) = (to_num(&lt), to_num(&rt));
            let numeric = |t: &DataType| is_numeric(t) || *t == DataType::Null;
            if !numeric(&lt2) || !numeric(&rt2) {
                return Err(diff_types());
            }
            let (l, r) = (cast_to(l, &lt2), cast_to(r, &rt2));
            let is_dec = |t: &DataType| matches!(t, DataType::Decimal128(_, _));
            let is_frac = |t: &DataType| matches!(t, DataType::Float32 | DataType::Float64);
            // Integer literals next to a decimal take only the digits they need (Spark's DecimalType.fromLiteral).
            let dec_of = |e: &PhysicalExpr, t: &DataType| -> Option<(u8, i8)> {
                if let PhysicalKind::Literal(a) = &e.kind {
                    if crate::types::is_integral(t) && a.logical_null_count() == 0 {
                        let v = arrow::compute::cast(a, &DataType::Int64).ok()?;
                        let v = v.as_any().downcast_ref::<arrow::array::Int64Array>()?.value(0);
                        let digits = v.unsigned_abs().to_string().len() as u8;
                        return Some((digits.max(1), 0));
                    }
                }
                decimal_for_integral(t)
            };
            match op {
                BinaryOp::Divide => {
                    if (is_dec(&lt2) || is_dec(&rt2)) && !is_frac(&lt2) && !is_frac(&rt2) {
                        let (p1, s1) = dec_of(&l, &lt2).unwrap_or((10, 0));
                        let (p2, s2) = dec_of(&r, &rt2).unwrap_or((10, 0));
                        let (ld, rd) = (DataType::Decimal128(p1, s1), DataType::Decimal128(p2, s2));
                        let out = decimal_result(op, p1, s1, p2, s2);
                        return Ok(bin(cast_to(l, &ld), cast_to(r, &rd), out, true));
                    }
                    Ok(bin(cast_to(l, &DataType::Float64), cast_to(r, &DataType::Float64), DataType::Float64, true))
                }
                BinaryOp::IntDivide => {
                    if is_dec(&lt2) || is_dec(&rt2) {
                        let common = tightest_common_type(&lt2, &rt2).unwrap_or(DataType::Float64);
                        return Ok(bin(cast_to(l, &common), cast_to(r, &common), DataType::Int64, true));
                    }
                    Ok(bin(cast_to(l, &DataType::Int64), cast_to(r, &DataType::Int64), DataType::Int64, true))
                }
                _ => {
                    if (is_dec(&lt2) || is_dec(&rt2)) && !is_frac(&lt2) && !is_frac(&rt2) {
                        let (p1, s1) = dec_of(&l, &lt2).unwrap_or((10, 0));
                        let (p2, s2) = dec_of(&r, &rt2).unwrap_or((10, 0));
                        let out = decimal_result(op, p1, s1, p2, s2);
                        let (ld, rd) = (DataType::Decimal128(p1, s1), DataType::Decimal128(p2, s2));
                        return Ok(bin(cast_to(l, &ld), cast_to(r, &rd), out, true));
                    }
                    let mut common = tightest_common_type(&lt2, &rt2).ok_or_else(diff_types)?;
                    if common == DataType::Null {
                        common = if op == BinaryOp::Modulo { DataType::Int32 } else { DataType::Null };
                    }
                    let nullable = nullable || op == BinaryOp::Modulo || matches!(common, DataType::Decimal128(_, _));
                    Ok(bin(cast_to(l, &common), cast_to(r, &common), common, nullable))
                }
            }
        }
    }
}

/// Spark's generated column name for an expression (what `df.select(expr).columns` shows).
pub fn display_name(e: &Expr) -> String {
    match e {
        Expr::Alias { name, .. } => name.clone(),
        Expr::Cast { expr, .. } => display_name(expr),
        other => sql_string(other),
    }
}

/// The expression as Spark prints it inside generated names.
#[recursive::recursive]
pub fn sql_string(e: &Expr) -> String {
    match e {
        Expr::Column(parts) => parts.last().cloned().unwrap_or_default(),
        Expr::Attribute { name, .. } => name.clone(),
        Expr::Literal(l) => literal_sql(&l.0),
        Expr::NamedLiteral { sql, .. } => sql.clone(),
        Expr::Alias { name, .. } => name.clone(),
        Expr::MultiAlias { names, .. } => names.join(", "),
        Expr::Cast { expr, to } => format!("CAST({} AS {})", sql_string(expr), crate::types::ddl::type_to_ddl(to)),
        Expr::Binary { op: BinaryOp::NotEq, left, right } => {
            format!("(NOT ({} = {}))", sql_string(left), sql_string(right))
        }
        Expr::Binary { op: op @ (BinaryOp::Plus | BinaryOp::Minus), left, right } if matches!(&**right, Expr::NamedLiteral { value, .. } if matches!(value.data_type(), DataType::Duration(_))) =>
        {
            format!("{} {} {}", sql_string(left), op.symbol(), sql_string(right))
        }
        Expr::Binary { op, left, right } => format!("({} {} {})", sql_string(left), op.symbol(), sql_string(right)),
        Expr::Not(inner) => format!("(NOT {})", sql_string(inner)),
        Expr::Negative(inner) => format!("(- {})", sql_string(inner)),
        Expr::IsNull(inner) => format!("({} IS NULL)", sql_string(inner)),
        Expr::IsNotNull(inner) => format!("({} IS NOT NULL)", sql_string(inner)),
        Expr::UserFunction { func, args } => func.0.display_name(&args.iter().map(sql_string).collect::<Vec<_>>()),
        Expr::Function { name, args, distinct } => {
            let args_sql: Vec<String> = args.iter().map(sql_string).collect();
            if let Some(f) = crate::expr::functions::user_defined::lookup(name) {
                return f.display_name(&args_sql);
            }
            match registry().get(name) {
                Some(FunctionDef::Scalar(f)) => f.display_name(&args_sql),
                Some(FunctionDef::Aggregate(f)) => f.display_name(&args_sql, *distinct),
                _ => format!("{}({})", name, args_sql.join(", ")),
            }
        }
        Expr::CaseWhen { branches, otherwise } => {
            let mut s = String::from("CASE");
            for (c, v) in branches {
                s.push_str(&format!(" WHEN {} THEN {}", sql_string(c), sql_string(v)));
            }
            if let Some(o) = otherwise {
                s.push_str(&format!(" ELSE {}", sql_string(o)));
            }
            s.push_str(" END");
            s
        }
        Expr::InList { expr, list, negated } => {
            let items: Vec<String> = list.iter().map(sql_string).collect();
            let inner = format!("({} IN ({}))", sql_string(expr), items.join(", "));
            if *negated {
                format!("(NOT {inner})")
            } else {
                inner
            }
        }
        Expr::GetField { expr, name } => format!("{}.{}", sql_string(expr), name),
        Expr::GetItem { expr, key } => format!("{}[{}]", sql_string(expr), sql_string(key)),
        Expr::Sort { expr, ascending, nulls_first } => format!(
            "{} {} NULLS {}",
            sql_string(expr),
            if *ascending { "ASC" } else { "DESC" },
            if *nulls_first { "FIRST" } else { "LAST" }
        ),
        Expr::Star(None) => "*".into(),
        Expr::Star(Some(q)) => format!("{q}.*"),
        Expr::Like { expr, pattern, negated, case_insensitive, .. } => {
            let op = if *case_insensitive { "ILIKE" } else { "LIKE" };
            let s = format!("{} {op} {}", sql_string(expr), sql_string(pattern));
            if *negated {
                format!("(NOT {s})")
            } else {
                s
            }
        }
        Expr::Window(w) => sql_string(&w.function),
    }
}

/// A literal as it appears in generated names: `1`, `x` (strings unquoted), `NULL`, `true`, `1.5`.
pub fn literal_sql(a: &ArrayRef) -> String {
    if a.logical_null_count() > 0 {
        return "NULL".into();
    }
    match a.data_type() {
        DataType::Boolean => a.as_any().downcast_ref::<BooleanArray>().unwrap().value(0).to_string(),
        DataType::Int64 => format!("{}", arrow::array::as_primitive_array::<arrow::datatypes::Int64Type>(a).value(0)),
        _ => {
            let ctx = crate::context::EvalContext::default();
            match crate::expr::cast::to_spark_string(a, &ctx) {
                Ok(s) => arrow::array::as_string_array(&s).value(0).to_string(),
                Err(_) => format!("{:?}", a),
            }
        }
    }
}
