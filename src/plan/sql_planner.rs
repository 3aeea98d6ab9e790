//! `spark.sql`: SELECT statements over temporary views, planned through the same builders as the DataFrame API
//! (projection, WHERE, VALUES, GROUP BY/HAVING, ORDER BY, LIMIT/OFFSET, joins, UNION/INTERSECT/EXCEPT, sub-queries in FROM).
use std::sync::Arc;

use arrow::datatypes::Fields;
use sqlparser::ast::{
    self, GroupByExpr, JoinConstraint, JoinOperator, LimitClause, ObjectName, OrderByKind, SelectItem,
    SelectItemQualifiedWildcardKind, SetExpr, SetOperator, SetQuantifier, TableFactor, TableWithJoins,
};

use crate::error::{EmberError, Result};
use crate::expr::expr::Expr;
use crate::expr::sql::{convert_expr, parse_query};
use crate::plan::builder::{self, contains_aggregate, AnalysisConfig};
use crate::plan::catalog::Catalog;
use crate::plan::{JoinType, LogicalPlan, SetOp};

type Plan = Arc<LogicalPlan>;

/// Plan one SQL query string.
pub fn plan_sql(query: &str, catalog: &dyn Catalog) -> Result<Plan> {
    let q = parse_query(query.trim().trim_end_matches(';'))?;
    let planner = SqlPlanner { catalog, cfg: catalog.analysis() };
    planner.query(&q)
}

struct SqlPlanner<'a> {
    catalog: &'a dyn Catalog,
    cfg: AnalysisConfig,
}

fn object_name(n: &ObjectName) -> String {
    crate::expr::sql::object_name_parts(n).join(".")
}

fn unsupported(what: &str) -> EmberError {
    EmberError::analysis_class(
        "UNSUPPORTED_FEATURE.SQL",
        format!("The feature is not supported by ember's spark.sql: {what}. SQLSTATE: 0A000"),
    )
}

fn literal_usize(e: &ast::Expr, what: &str) -> Result<usize> {
    match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::Number(n, _) => {
                n.parse::<usize>().map_err(|_| EmberError::analysis(format!("invalid {what}: {n}")))
            }
            other => Err(EmberError::analysis(format!("invalid {what}: {other}"))),
        },
        other => Err(EmberError::analysis(format!("invalid {what}: {other}"))),
    }
}

impl SqlPlanner<'_> {
    fn query(&self, q: &ast::Query) -> Result<Plan> {
        if q.with.is_some() {
            return Err(unsupported("WITH clauses"));
        }
        let (mut plan, projection) = self.set_expr(&q.body)?;
        if let Some(order) = &q.order_by {
            let OrderByKind::Expressions(items) = &order.kind else { return Err(unsupported("ORDER BY ALL")) };
            let mut keys = Vec::new();
            for item in items {
                let mut e = convert_expr(&item.expr)?;
                // ORDER BY 2 refers to the second output column.
                if let ast::Expr::Value(v) = &item.expr {
                    if let ast::Value::Number(n, _) = &v.value {
                        if let Ok(i) = n.parse::<usize>() {
                            let name = plan.schema.fields.get(i.wrapping_sub(1)).ok_or_else(|| {
                                EmberError::analysis_class("ORDER_BY_POS_OUT_OF_RANGE", format!("ORDER BY position {i} is not in select list (valid range is [1, {}]). SQLSTATE: 42805", plan.schema.len()))
                            })?;
                            e = Expr::Attribute { id: plan.schema.attrs[i - 1].id, name: name.name().clone() };
                        }
                    }
                }
                let asc = item.options.asc.unwrap_or(true);
                let nulls_first = item.options.nulls_first.unwrap_or(asc);
                keys.push(Expr::Sort { expr: Box::new(e), ascending: asc, nulls_first });
            }
            plan = match builder::sort(&plan, &keys, self.cfg) {
                Ok(p) => p,
                // Sorting by a column the projection dropped: sort below the projection instead.
                Err(first_err) => match &projection {
                    Some((input, items)) => {
                        let sorted = builder::sort(input, &keys, self.cfg).map_err(|_| first_err)?;
                        builder::select(&sorted, items, self.cfg)?
                    }
                    None => return Err(first_err),
                },
            };
        }
        if let Some(limit) = &q.limit_clause {
            match limit {
                LimitClause::LimitOffset { limit, offset, .. } => {
                    let off = match offset {
                        Some(o) => literal_usize(&o.value, "OFFSET")?,
                        None => 0,
                    };
                    let n = match limit {
                        Some(l) => literal_usize(l, "LIMIT")?,
                        None => usize::MAX / 2,
                    };
                    plan = builder::limit(&plan, n, off);
                }
                LimitClause::OffsetCommaLimit { offset, limit } => {
                    plan = builder::limit(&plan, literal_usize(limit, "LIMIT")?, literal_usize(offset, "OFFSET")?);
                }
            }
        }
        Ok(plan)
    }

    /// A set expression; for a plain SELECT without aggregation also returns its input and projection so ORDER BY
    /// may sort by columns the projection dropped.
    fn set_expr(&self, s: &SetExpr) -> Result<(Plan, Option<(Plan, Vec<Expr>)>)> {
        match s {
            SetExpr::Select(sel) => self.select(sel),
            SetExpr::Query(q) => Ok((self.query(q)?, None)),
            SetExpr::SetOperation { op, set_quantifier, left, right } => {
                let (l, _) = self.set_expr(left)?;
                let (r, _) = self.set_expr(right)?;
                let all = matches!(set_quantifier, SetQuantifier::All);
                let by_name = matches!(
                    set_quantifier,
                    SetQuantifier::ByName | SetQuantifier::AllByName | SetQuantifier::DistinctByName
                );
                let plan = match op {
                    SetOperator::Union => {
                        let u = if by_name {
                            builder::union_by_name(&l, &r, false, self.cfg)?
                        } else {
                            builder::union(&[l, r])?
                        };
                        if all || matches!(set_quantifier, SetQuantifier::AllByName) {
                            u
                        } else {
                            builder::deduplicate(&u, None, self.cfg)?
                        }
                    }
                    SetOperator::Intersect => {
                        builder::set_operation(&l, &r, if all { SetOp::IntersectAll } else { SetOp::Intersect })?
                    }
                    SetOperator::Except | SetOperator::Minus => {
                        builder::set_operation(&l, &r, if all { SetOp::ExceptAll } else { SetOp::Except })?
                    }
                };
                Ok((plan, None))
            }
            SetExpr::Values(v) => Ok((self.values(v)?, None)),
            _ => Err(unsupported("this statement")),
        }
    }

    fn relation(&self, t: &TableFactor) -> Result<Plan> {
        match t {
            TableFactor::Table { name, alias, .. } => {
                let n = object_name(name);
                let plan = builder::fresh_ids(&self.catalog.table(&n)?);
                let qualifier = alias
                    .as_ref()
                    .map(|a| crate::expr::sql::ident_value(&a.name))
                    .unwrap_or_else(|| n.rsplit('.').next().unwrap_or(&n).to_string());
                Ok(builder::alias(&plan, &qualifier))
            }
            TableFactor::Derived { subquery, alias, .. } => {
                let plan = self.query(subquery)?;
                Ok(match alias {
                    Some(a) => builder::alias(&plan, &crate::expr::sql::ident_value(&a.name)),
                    None => plan,
                })
            }
            other => Err(unsupported(&format!("FROM {other}"))),
        }
    }

    /// An inline table (`VALUES (1, 'a'), (2, 'b')`): columns `col1`…, each row's types widened as a union's.
    fn values(&self, v: &ast::Values) -> Result<Plan> {
        let one_row = self.from(&[])?;
        let width = v.rows.first().map(|r| r.len()).unwrap_or(0);
        let mut rows = Vec::new();
        for row in &v.rows {
            if row.len() != width {
                return Err(EmberError::parse_class(
                    "INVALID_INLINE_TABLE.NUM_COLUMNS_MISMATCH",
                    format!("Invalid inline table. Inline table expected {width} columns but found {} columns in row {}. SQLSTATE: 42000", row.len(), rows.len()),
                ));
            }
            let items = row
                .iter()
                .enumerate()
                .map(|(i, e)| Ok(Expr::Alias { expr: Box::new(convert_expr(e)?), name: format!("col{}", i + 1) }))
                .collect::<Result<Vec<_>>>()?;
            rows.push(builder::select(&one_row, &items, self.cfg)?);
        }
        if rows.len() == 1 {
            return Ok(rows.pop().expect("one row"));
        }
        builder::union(&rows)
    }

    fn from(&self, from: &[TableWithJoins]) -> Result<Plan> {
        if from.is_empty() {
            // SELECT without FROM: one row, no columns.
            let schema = Arc::new(arrow::datatypes::Schema::empty());
            let batch = crate::types::batch::make_batch(schema, vec![], 1)?;
            return Ok(builder::values(Fields::empty(), vec![batch]));
        }
        let mut plan: Option<Plan> = None;
        for twj in from {
            let mut cur = self.relation(&twj.relation)?;
            for j in &twj.joins {
                let right = self.relation(&j.relation)?;
                let (jt, constraint) = match &j.join_operator {
                    JoinOperator::Join(c) | JoinOperator::Inner(c) => (JoinType::Inner, c),
                    JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => (JoinType::LeftOuter, c),
                    JoinOperator::Right(c) | JoinOperator::RightOuter(c) => (JoinType::RightOuter, c),
                    JoinOperator::FullOuter(c) => (JoinType::FullOuter, c),
                    JoinOperator::CrossJoin(c) => (JoinType::Cross, c),
                    JoinOperator::Semi(c) | JoinOperator::LeftSemi(c) => (JoinType::LeftSemi, c),
                    JoinOperator::Anti(c) | JoinOperator::LeftAnti(c) => (JoinType::LeftAnti, c),
                    other => return Err(unsupported(&format!("join {other:?}"))),
                };
                cur = match constraint {
                    JoinConstraint::On(e) => builder::join_on(&cur, &right, Some(&convert_expr(e)?), jt, self.cfg)?,
                    JoinConstraint::Using(names) => {
                        let names: Vec<String> = names.iter().map(object_name).collect();
                        builder::join_using(&cur, &right, &names, jt, self.cfg)?
                    }
                    JoinConstraint::None => builder::join_on(&cur, &right, None, jt, self.cfg)?,
                    JoinConstraint::Natural => return Err(unsupported("NATURAL JOIN")),
                };
            }
            plan = Some(match plan {
                None => cur,
                Some(p) => builder::join_on(&p, &cur, None, JoinType::Cross, self.cfg)?,
            });
        }
        Ok(plan.unwrap())
    }

    fn select(&self, sel: &ast::Select) -> Result<(Plan, Option<(Plan, Vec<Expr>)>)> {
        let mut plan = self.from(&sel.from)?;
        if let Some(w) = &sel.selection {
            plan = builder::filter(&plan, &convert_expr(w)?, self.cfg)?;
        }
        let mut items = Vec::new();
        for item in &sel.projection {
            items.push(match item {
                SelectItem::UnnamedExpr(e) => convert_expr(e)?,
                SelectItem::ExprWithAlias { expr, alias } => {
                    convert_expr(expr)?.alias(&crate::expr::sql::ident_value(alias))
                }
                SelectItem::ExprWithAliases { expr, aliases } => Expr::MultiAlias {
                    expr: Box::new(convert_expr(expr)?),
                    names: aliases.iter().map(crate::expr::sql::ident_value).collect(),
                },
                SelectItem::Wildcard(_) => Expr::Star(None),
                SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(n), _) => {
                    Expr::Star(Some(object_name(n)))
                }
                SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::Expr(e), _) => {
                    return Err(unsupported(&format!("{e}.*")));
                }
            });
        }
        let groups: Vec<Expr> = match &sel.group_by {
            GroupByExpr::Expressions(exprs, _) => exprs
                .iter()
                .map(|g| {
                    // GROUP BY 1 and GROUP BY <select alias> refer to the select list.
                    if let ast::Expr::Value(v) = g {
                        if let ast::Value::Number(n, _) = &v.value {
                            if let Ok(i) = n.parse::<usize>() {
                                return items.get(i.wrapping_sub(1)).map(|e| e.clone().strip_alias()).ok_or_else(|| {
                                    EmberError::analysis_class("GROUP_BY_POS_OUT_OF_RANGE", format!("GROUP BY position {i} is not in select list (valid range is [1, {}]). SQLSTATE: 42805", items.len()))
                                });
                            }
                        }
                    }
                    let e = convert_expr(g)?;
                    if let Expr::Column(parts) = &e {
                        if parts.len() == 1 && !plan.schema.fields.iter().any(|f| f.name().eq_ignore_ascii_case(&parts[0])) {
                            if let Some(item) = items.iter().find(|i| i.alias_name().is_some_and(|a| a.eq_ignore_ascii_case(&parts[0]))) {
                                return Ok(item.clone().strip_alias());
                            }
                        }
                    }
                    Ok(e)
                })
                .collect::<Result<_>>()?,
            GroupByExpr::All(_) => return Err(unsupported("GROUP BY ALL")),
        };
        let having = sel.having.as_ref().map(convert_expr).transpose()?;
        let aggregated = !groups.is_empty() || items.iter().any(contains_aggregate) || having.is_some();
        let distinct = matches!(sel.distinct, Some(ast::Distinct::Distinct));
        let (out, projection) = if aggregated {
            // The aggregation's output: grouping columns then the items; drop the grouping columns after.
            let mut outputs = items.clone();
            if let Some(h) = &having {
                outputs.push(h.clone().alias("__having"));
            }
            let agg = builder::aggregate(&plan, &groups, &outputs, self.cfg)?;
            let mut agg = agg;
            let n_groups = groups.len();
            if having.is_some() {
                let cond = Expr::Attribute { id: agg.schema.attrs[agg.schema.len() - 1].id, name: "__having".into() };
                agg = builder::filter(&agg, &cond, self.cfg)?;
            }
            let keep: Vec<Expr> = (n_groups..n_groups + items.len())
                .map(|i| Expr::Attribute { id: agg.schema.attrs[i].id, name: agg.schema.fields[i].name().clone() })
                .collect();
            (builder::select(&agg, &keep, self.cfg)?, None)
        } else {
            (builder::select(&plan, &items, self.cfg)?, Some((plan.clone(), items.clone())))
        };
        let out = if distinct { builder::deduplicate(&out, None, self.cfg)? } else { out };
        Ok((out, if distinct { None } else { projection }))
    }
}
