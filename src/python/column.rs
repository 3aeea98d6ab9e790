//! `Column`: a handle on an unresolved expression; every operator builds a new one.
use pyo3::prelude::*;

use crate::expr::expr::{split_name_parts, BinaryOp, Expr};
use crate::python::convert::literal_from_py;
use crate::python::error::BResult;
use crate::python::gil::detached;

#[pyclass(module = "ember._native", name = "Column", frozen, from_py_object)]
#[derive(Clone)]
pub struct PyColumn {
    pub expr: Expr,
}

impl PyColumn {
    /// A column of `expr`, or Spark's "too complex" error when it nests deeper than the engine accepts: every
    /// operator clones its operands, so no deeper tree may exist for the next one to clone.
    pub fn new(expr: Expr) -> BResult<Self> {
        if expr.nests_deeper_than(crate::expr::depth::MAX_EXPR_DEPTH) {
            return Err(crate::expr::depth::too_complex().into());
        }
        Ok(PyColumn { expr })
    }
}

fn parse_op(op: &str) -> PyResult<BinaryOp> {
    Ok(match op {
        "+" => BinaryOp::Plus,
        "-" => BinaryOp::Minus,
        "*" => BinaryOp::Multiply,
        "/" => BinaryOp::Divide,
        "div" => BinaryOp::IntDivide,
        "%" => BinaryOp::Modulo,
        "==" => BinaryOp::Eq,
        "<=>" => BinaryOp::EqNullSafe,
        "!=" => BinaryOp::NotEq,
        "<" => BinaryOp::Lt,
        "<=" => BinaryOp::LtEq,
        ">" => BinaryOp::Gt,
        ">=" => BinaryOp::GtEq,
        "and" => BinaryOp::And,
        "or" => BinaryOp::Or,
        "&" => BinaryOp::BitAnd,
        "|" => BinaryOp::BitOr,
        "^" => BinaryOp::BitXor,
        other => return Err(pyo3::exceptions::PyValueError::new_err(format!("unknown operator {other}"))),
    })
}

#[pymethods]
impl PyColumn {
    /// `col("a")`, `col("t.a")`, `col("*")`.
    #[staticmethod]
    fn col(name: &str) -> BResult<PyColumn> {
        let parts = split_name_parts(name);
        if name == "*" {
            return PyColumn::new(Expr::Star(None));
        }
        if parts.len() == 2 && parts[1] == "*" && !name.ends_with("`*`") {
            return PyColumn::new(Expr::Star(Some(parts[0].clone())));
        }
        PyColumn::new(Expr::Column(parts))
    }

    #[staticmethod]
    fn lit(value: &Bound<'_, PyAny>) -> BResult<PyColumn> {
        PyColumn::new(Expr::lit(literal_from_py(value)?))
    }

    #[staticmethod]
    #[pyo3(signature = (name, args, distinct=false))]
    fn call(name: &str, args: Vec<PyColumn>, distinct: bool) -> BResult<PyColumn> {
        PyColumn::new(Expr::Function {
            name: name.to_string(),
            args: args.into_iter().map(|a| a.expr).collect(),
            distinct,
        })
    }

    /// A SQL expression string (`expr("a + 1")`).
    #[staticmethod]
    fn sql(py: Python<'_>, text: &str) -> BResult<PyColumn> {
        PyColumn::new(detached(py, || crate::expr::sql::parse_expression(text))?)
    }

    /// A select-list item string (`selectExpr("a as b")`, `"*"`).
    #[staticmethod]
    fn sql_select_item(py: Python<'_>, text: &str) -> BResult<PyColumn> {
        PyColumn::new(detached(py, || crate::expr::sql::parse_select_item(text))?)
    }

    #[staticmethod]
    fn when(condition: &PyColumn, value: &PyColumn) -> BResult<PyColumn> {
        PyColumn::new(Expr::CaseWhen { branches: vec![(condition.expr.clone(), value.expr.clone())], otherwise: None })
    }

    /// Add a branch to a `when` chain; None when this column is not one.
    fn add_when(&self, condition: &PyColumn, value: &PyColumn) -> BResult<Option<PyColumn>> {
        Ok(match &self.expr {
            Expr::CaseWhen { branches, otherwise: None } => {
                let mut b = branches.clone();
                b.push((condition.expr.clone(), value.expr.clone()));
                Some(PyColumn::new(Expr::CaseWhen { branches: b, otherwise: None })?)
            }
            _ => None,
        })
    }

    fn otherwise(&self, value: &PyColumn) -> BResult<Option<PyColumn>> {
        Ok(match &self.expr {
            Expr::CaseWhen { branches, otherwise: None } => Some(PyColumn::new(Expr::CaseWhen {
                branches: branches.clone(),
                otherwise: Some(Box::new(value.expr.clone())),
            })?),
            _ => None,
        })
    }

    fn alias(&self, name: &str) -> BResult<PyColumn> {
        PyColumn::new(self.expr.clone().alias(name))
    }

    fn multi_alias(&self, names: Vec<String>) -> BResult<PyColumn> {
        PyColumn::new(Expr::MultiAlias { expr: Box::new(self.expr.clone().strip_alias()), names })
    }

    /// Cast to a type given as Spark schema JSON of a type (`"integer"`, `{"type":"array",…}`).
    fn cast_json(&self, type_json: &str) -> BResult<PyColumn> {
        let v: serde_json::Value = serde_json::from_str(type_json).map_err(crate::EmberError::from)?;
        let to = crate::types::spark_json::type_from_json_value(&v)?;
        PyColumn::new(Expr::Cast { expr: Box::new(self.expr.clone()), to })
    }

    /// Cast to a type given as a DDL string (`"int"`, `"array<string>"`).
    fn cast_ddl(&self, ddl: &str) -> BResult<PyColumn> {
        let to = crate::types::ddl::parse_ddl_type(ddl)?;
        PyColumn::new(Expr::Cast { expr: Box::new(self.expr.clone()), to })
    }

    #[pyo3(signature = (op, other, reverse=false))]
    fn binary(&self, op: &str, other: &PyColumn, reverse: bool) -> PyResult<PyColumn> {
        let op = parse_op(op)?;
        let (l, r) =
            if reverse { (other.expr.clone(), self.expr.clone()) } else { (self.expr.clone(), other.expr.clone()) };
        Ok(PyColumn::new(Expr::binary(op, l, r))?)
    }

    fn not_(&self) -> BResult<PyColumn> {
        PyColumn::new(Expr::Not(Box::new(self.expr.clone())))
    }

    fn is_null(&self) -> BResult<PyColumn> {
        PyColumn::new(Expr::IsNull(Box::new(self.expr.clone())))
    }

    fn is_not_null(&self) -> BResult<PyColumn> {
        PyColumn::new(Expr::IsNotNull(Box::new(self.expr.clone())))
    }

    #[pyo3(signature = (values, negated=false))]
    fn isin(&self, values: Vec<PyColumn>, negated: bool) -> BResult<PyColumn> {
        PyColumn::new(Expr::InList {
            expr: Box::new(self.expr.clone()),
            list: values.into_iter().map(|v| v.expr).collect(),
            negated,
        })
    }

    fn get_field(&self, name: &str) -> BResult<PyColumn> {
        PyColumn::new(Expr::GetField { expr: Box::new(self.expr.clone()), name: name.to_string() })
    }

    fn get_item(&self, key: &PyColumn) -> BResult<PyColumn> {
        PyColumn::new(Expr::GetItem { expr: Box::new(self.expr.clone()), key: Box::new(key.expr.clone()) })
    }

    fn sort(&self, ascending: bool, nulls_first: bool) -> BResult<PyColumn> {
        let inner = match &self.expr {
            Expr::Sort { expr, .. } => (**expr).clone(),
            e => e.clone(),
        };
        PyColumn::new(Expr::Sort { expr: Box::new(inner), ascending, nulls_first })
    }

    /// `col.over(window)`: `frame` is (rows, start, end) with Spark's bounds (`i64::MIN`/`MAX` unbounded), or None.
    #[pyo3(signature = (partition_by, order_by, frame=None))]
    fn over(
        &self,
        partition_by: Vec<PyColumn>,
        order_by: Vec<PyColumn>,
        frame: Option<(bool, i64, i64)>,
    ) -> BResult<PyColumn> {
        use crate::expr::expr::{FrameBound, WindowExpr, WindowFrame};
        let bound = |v: i64| match v {
            i64::MIN => FrameBound::UnboundedPreceding,
            i64::MAX => FrameBound::UnboundedFollowing,
            k => FrameBound::Offset(k),
        };
        let frame = frame.map(|(rows, start, end)| WindowFrame { rows, start: bound(start), end: bound(end) });
        PyColumn::new(Expr::Window(std::sync::Arc::new(WindowExpr {
            function: self.expr.clone(),
            partition_by: partition_by.into_iter().map(|c| c.expr).collect(),
            order_by: order_by.into_iter().map(|c| c.expr).collect(),
            frame,
        })))
    }

    #[pyo3(signature = (pattern, negated=false, case_insensitive=false))]
    fn like(&self, pattern: &PyColumn, negated: bool, case_insensitive: bool) -> BResult<PyColumn> {
        PyColumn::new(Expr::Like {
            expr: Box::new(self.expr.clone()),
            pattern: Box::new(pattern.expr.clone()),
            negated,
            case_insensitive,
            escape: '\\',
        })
    }

    fn __repr__(&self) -> String {
        format!("Column<'{}'>", crate::expr::resolve::sql_string(&self.expr))
    }
}

pub fn exprs(cols: Vec<PyColumn>) -> Vec<Expr> {
    cols.into_iter().map(|c| c.expr).collect()
}
