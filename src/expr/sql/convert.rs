//! sqlparser's AST to ember's `Expr`, shaped like Spark's parser output so generated names print as Spark's
//! (`x != 1` is `NOT (x = 1)`, `count(*)` is `count(1)`, `x IS TRUE` is `x <=> true` …).
use std::sync::Arc;

use arrow::array::{BooleanArray, Int32Array, NullArray, StringArray};
use arrow::datatypes::{DataType, Field, Fields};
use sqlparser::ast::{
    self as ast, AccessExpr, BinaryOperator, CastKind, CeilFloorKind, DuplicateTreatment, FunctionArg, FunctionArgExpr,
    FunctionArguments, Subscript, TrimWhereField, UnaryOperator, Value, WindowType,
};

use super::errors::{not_supported, parse_error};
use super::{ident_value, literal};
use crate::error::Result;
use crate::expr::expr::{FrameBound, WindowExpr, WindowFrame};
use crate::expr::{BinaryOp, Expr};
use crate::types;

fn boxed(e: &ast::Expr) -> Result<Box<Expr>> {
    Ok(Box::new(convert_expr(e)?))
}

fn bool_lit(v: bool) -> Expr {
    Expr::lit(Arc::new(BooleanArray::from(vec![v])))
}

fn not(e: Expr) -> Expr {
    Expr::Not(Box::new(e))
}

/// Convert one sqlparser expression (as parsed by this module's dialect and tokenizer) to an unresolved `Expr`.
///
/// The operators that chain (`a OR b OR …`, `a + b + …`) are handled here with a small stack frame; everything else
/// goes through `convert_node`, whose frame is large in debug builds, so long chains do not overflow the stack.
#[recursive::recursive]
pub fn convert_expr(e: &ast::Expr) -> Result<Expr> {
    let _level = crate::expr::depth::DepthGuard::enter()?;
    match e {
        ast::Expr::BinaryOp { left, op, right } => binary(left, op, right),
        ast::Expr::Nested(inner) => convert_expr(inner),
        _ => convert_node(e),
    }
}

fn convert_node(e: &ast::Expr) -> Result<Expr> {
    use ast::Expr as E;
    Ok(match e {
        // Spark's parser reads bare USER and SESSION_USER as current_user().
        E::Identifier(id)
            if id.quote_style.is_none()
                && (id.value.eq_ignore_ascii_case("user") || id.value.eq_ignore_ascii_case("session_user")) =>
        {
            Expr::call("current_user", vec![])
        }
        E::Identifier(id) => Expr::Column(vec![ident_value(id)]),
        E::CompoundIdentifier(ids) => Expr::Column(ids.iter().map(ident_value).collect()),
        E::CompoundFieldAccess { root, access_chain } => field_access(root, access_chain)?,
        E::Nested(inner) => convert_expr(inner)?,
        E::Value(v) => value(&v.value)?,
        E::TypedString(ts) => typed_string(&ts.data_type, &ts.value.value)?,
        E::Interval(iv) => {
            let text = match iv.value.as_ref() {
                E::Value(v) => string_value(&v.value),
                _ => None,
            };
            let text = text.ok_or_else(|| not_supported("An INTERVAL with a non-literal value"))?;
            literal::interval_literal(&text, iv.leading_field.as_ref(), iv.last_field.as_ref())?
        }
        E::UnaryOp { op, expr } => unary(op, expr)?,
        E::BinaryOp { left, op, right } => binary(left, op, right)?,
        E::IsNull(x) => Expr::IsNull(boxed(x)?),
        E::IsNotNull(x) => Expr::IsNotNull(boxed(x)?),
        // Spark's parser: IS [NOT] TRUE/FALSE is null-safe equality, IS [NOT] UNKNOWN is IS [NOT] NULL.
        E::IsTrue(x) => Expr::binary(BinaryOp::EqNullSafe, convert_expr(x)?, bool_lit(true)),
        E::IsNotTrue(x) => not(Expr::binary(BinaryOp::EqNullSafe, convert_expr(x)?, bool_lit(true))),
        E::IsFalse(x) => Expr::binary(BinaryOp::EqNullSafe, convert_expr(x)?, bool_lit(false)),
        E::IsNotFalse(x) => not(Expr::binary(BinaryOp::EqNullSafe, convert_expr(x)?, bool_lit(false))),
        E::IsUnknown(x) => Expr::IsNull(boxed(x)?),
        E::IsNotUnknown(x) => Expr::IsNotNull(boxed(x)?),
        E::IsDistinctFrom(a, b) => not(Expr::binary(BinaryOp::EqNullSafe, convert_expr(a)?, convert_expr(b)?)),
        E::IsNotDistinctFrom(a, b) => Expr::binary(BinaryOp::EqNullSafe, convert_expr(a)?, convert_expr(b)?),
        E::InList { expr, list, negated } => {
            if list.is_empty() {
                return Err(parse_error(
                    "INVALID_SQL_SYNTAX.EMPTY_IN_PREDICATE",
                    "Invalid SQL syntax: IN predicate requires at least one value. Empty IN clauses like 'IN ()' are \
                     not allowed. Consider using 'WHERE FALSE' if you need an always-false condition, or provide at \
                     least one value in the IN list. SQLSTATE: 42000",
                ));
            }
            let list = list.iter().map(convert_expr).collect::<Result<Vec<_>>>()?;
            let e = Expr::InList { expr: boxed(expr)?, list, negated: false };
            if *negated {
                not(e)
            } else {
                e
            }
        }
        E::Between { expr, negated, low, high } => {
            // Spark keeps BETWEEN as its own expression (named `between(x, 1, 2)`), replaced at analysis by
            // `x >= low AND x <= high`.
            let e = Expr::call("between", vec![convert_expr(expr)?, convert_expr(low)?, convert_expr(high)?]);
            if *negated {
                not(e)
            } else {
                e
            }
        }
        E::Like { negated, any, expr, pattern, escape_char } => {
            like(*negated, *any, expr, pattern, escape_char, false)?
        }
        E::ILike { negated, any, expr, pattern, escape_char } => {
            like(*negated, *any, expr, pattern, escape_char, true)?
        }
        E::RLike { negated, expr, pattern, .. } => {
            let e = Expr::call("rlike", vec![convert_expr(expr)?, convert_expr(pattern)?]);
            if *negated {
                not(e)
            } else {
                e
            }
        }
        E::Case { operand, conditions, else_result, .. } => {
            let operand = operand.as_deref().map(convert_expr).transpose()?;
            let mut branches = Vec::with_capacity(conditions.len());
            for w in conditions {
                let cond = convert_expr(&w.condition)?;
                // `CASE x WHEN v` is `CASE WHEN x = v`, as Spark rewrites it.
                let cond = match &operand {
                    Some(x) => Expr::binary(BinaryOp::Eq, x.clone(), cond),
                    None => cond,
                };
                branches.push((cond, convert_expr(&w.result)?));
            }
            let otherwise = else_result.as_deref().map(boxed).transpose()?;
            Expr::CaseWhen { branches, otherwise }
        }
        E::Cast { kind, expr, data_type, format, .. } => {
            if format.is_some() {
                return Err(not_supported("CAST … FORMAT"));
            }
            if matches!(kind, CastKind::SafeCast) {
                return Err(not_supported("SAFE_CAST"));
            }
            // TRY_CAST is a plain cast here: with spark.sql.ansi.enabled=false a failing cast is already NULL.
            Expr::Cast { expr: boxed(expr)?, to: convert_data_type(data_type)? }
        }
        E::Function(f) => function(f)?,
        E::Struct { values, fields } => {
            if !fields.is_empty() {
                return Err(not_supported("A typed STRUCT<…>(…) literal"));
            }
            Expr::call("struct", values.iter().map(convert_expr).collect::<Result<_>>()?)
        }
        E::Named { expr, name } => convert_expr(expr)?.alias(&ident_value(name)),
        E::Array(a) => Expr::call("array", a.elem.iter().map(convert_expr).collect::<Result<_>>()?),
        E::Extract { field, expr, .. } => {
            let text = match field {
                ast::DateTimeField::Custom(id) => id.value.clone(),
                other => other.to_string(),
            };
            let field = Expr::lit(Arc::new(StringArray::from(vec![text])));
            Expr::call("extract", vec![field, convert_expr(expr)?])
        }
        E::Ceil { expr, field } => ceil_floor("ceil", expr, field)?,
        E::Floor { expr, field } => ceil_floor("floor", expr, field)?,
        // Spark's parser: POSITION(sub IN str) is locate(sub, str, 1).
        E::Position { expr, r#in } => {
            let one = Expr::lit(Arc::new(Int32Array::from(vec![1])));
            Expr::call("locate", vec![convert_expr(expr)?, convert_expr(r#in)?, one])
        }
        E::Substring { expr, substring_from, substring_for, .. } => {
            let mut args = vec![convert_expr(expr)?];
            match substring_from {
                Some(from) => args.push(convert_expr(from)?),
                // `SUBSTRING(s FOR n)` starts at 1.
                None => args.push(Expr::lit(Arc::new(Int32Array::from(vec![1])))),
            }
            if let Some(len) = substring_for {
                args.push(convert_expr(len)?);
            }
            Expr::call("substring", args)
        }
        E::Trim { trim_where, trim_what, expr, trim_characters } => {
            if trim_characters.is_some() {
                return Err(not_supported("TRIM with a character list"));
            }
            let name = match trim_where {
                Some(TrimWhereField::Leading) => "ltrim",
                Some(TrimWhereField::Trailing) => "rtrim",
                _ => "trim",
            };
            // The two-argument SQL functions take the characters first: `trim(trimStr, str)`.
            let mut args = Vec::with_capacity(2);
            if let Some(what) = trim_what {
                args.push(convert_expr(what)?);
            }
            args.push(convert_expr(expr)?);
            Expr::call(name, args)
        }
        E::Overlay { expr, overlay_what, overlay_from, overlay_for } => {
            let mut args = vec![convert_expr(expr)?, convert_expr(overlay_what)?, convert_expr(overlay_from)?];
            if let Some(len) = overlay_for {
                args.push(convert_expr(len)?);
            }
            Expr::call("overlay", args)
        }
        E::Wildcard(_) | E::QualifiedWildcard(_, _) => {
            return Err(not_supported("A star (*) outside a select list or count(*)"))
        }
        E::Exists { .. } | E::Subquery(_) | E::InSubquery { .. } => return Err(not_supported("A subquery")),
        E::Lambda(_) => return Err(not_supported("A lambda function")),
        E::Tuple(_) => return Err(not_supported("A row constructor (a, b, …)")),
        other => return Err(not_supported(&format!("The SQL expression `{other}`"))),
    })
}

/// `a[0]`, `m['k']`, `s.f` after a non-identifier, `a[0].f`: identifiers stay a dotted Column (the resolver decides
/// between table qualifier and struct field), everything after a subscript is a GetField/GetItem chain.
fn field_access(root: &ast::Expr, chain: &[AccessExpr]) -> Result<Expr> {
    let mut expr = convert_expr(root)?;
    for access in chain {
        expr = match access {
            AccessExpr::Dot(ast::Expr::Identifier(id)) => match expr {
                Expr::Column(mut parts) => {
                    parts.push(ident_value(id));
                    Expr::Column(parts)
                }
                other => Expr::GetField { expr: Box::new(other), name: ident_value(id) },
            },
            AccessExpr::Dot(other) => return Err(not_supported(&format!("The field access `.{other}`"))),
            AccessExpr::Subscript(Subscript::Index { index }) => {
                Expr::GetItem { expr: Box::new(expr), key: boxed(index)? }
            }
            AccessExpr::Subscript(_) => return Err(not_supported("An array slice")),
        };
    }
    Ok(expr)
}

fn string_value(v: &Value) -> Option<String> {
    match v {
        Value::SingleQuotedString(s) => Some(literal::unescape_spark_string(s, '\'')),
        Value::DoubleQuotedString(s) => Some(literal::unescape_spark_string(s, '"')),
        _ => None,
    }
}

/// sqlparser's tokenizer strips an `L` suffix into a flag; put it back for `literal::number_literal`.
fn number_text(n: &str, long: bool) -> String {
    if long {
        format!("{n}L")
    } else {
        n.to_string()
    }
}

fn value(v: &Value) -> Result<Expr> {
    Ok(match v {
        Value::Number(n, long) => literal::number_literal(&number_text(n, *long), false)?,
        Value::SingleQuotedString(_) | Value::DoubleQuotedString(_) => {
            literal::string_literal(string_value(v).unwrap_or_default())
        }
        Value::SingleQuotedRawStringLiteral(s) | Value::DoubleQuotedRawStringLiteral(s) => {
            literal::string_literal(s.clone())
        }
        Value::HexStringLiteral(h) => literal::binary_literal(h)?,
        Value::Boolean(b) => bool_lit(*b),
        Value::Null => Expr::lit(Arc::new(NullArray::new(1))),
        other => return Err(not_supported(&format!("The literal {other}"))),
    })
}

/// `DATE '…'` and `TIMESTAMP_NTZ '…'` are literals; `TIMESTAMP '…'` (LTZ) stays a cast of the checked string, which
/// the resolver evaluates in the session time zone.
fn typed_string(data_type: &ast::DataType, v: &Value) -> Result<Expr> {
    let text = string_value(v).ok_or_else(|| not_supported(&format!("The typed literal {data_type} {v}")))?;
    match data_type {
        ast::DataType::Date => literal::date_literal(&text),
        ast::DataType::TimestampNtz(_) | ast::DataType::Timestamp(_, ast::TimezoneInfo::WithoutTimeZone) => {
            literal::timestamp_ntz_literal(&text)
        }
        ast::DataType::Timestamp(_, _) | ast::DataType::Datetime(_) => {
            literal::check_timestamp_text(&text)?;
            Ok(Expr::Cast { expr: Box::new(literal::string_literal(text)), to: types::timestamp_type() })
        }
        ast::DataType::Custom(name, _) if name.to_string().eq_ignore_ascii_case("timestamp_ltz") => {
            literal::check_timestamp_text(&text)?;
            Ok(Expr::Cast { expr: Box::new(literal::string_literal(text)), to: types::timestamp_type() })
        }
        ast::DataType::Custom(name, _) if name.to_string().eq_ignore_ascii_case("x") => literal::binary_literal(&text),
        other => Err(parse_error(
            "UNSUPPORTED_TYPED_LITERAL",
            format!(
                "Literals of the type \"{}\" are not supported. Supported types are \"DATE\", \"TIMESTAMP_NTZ\", \
                 \"TIMESTAMP_LTZ\", \"TIMESTAMP\", \"INTERVAL\", \"X\", \"TIME\". SQLSTATE: 0A000",
                other.to_string().to_uppercase()
            ),
        )),
    }
}

fn unary(op: &UnaryOperator, x: &ast::Expr) -> Result<Expr> {
    Ok(match op {
        // Spark folds the sign into a numeric literal: `-2147483648` is an INT, `-1.5` a DECIMAL(2,1).
        UnaryOperator::Minus => match x {
            ast::Expr::Value(v) => match &v.value {
                Value::Number(n, long) => literal::number_literal(&number_text(n, *long), true)?,
                _ => Expr::Negative(boxed(x)?),
            },
            _ => Expr::Negative(boxed(x)?),
        },
        UnaryOperator::Plus => Expr::call("positive", vec![convert_expr(x)?]),
        UnaryOperator::Not | UnaryOperator::BangNot => not(convert_expr(x)?),
        UnaryOperator::BitwiseNot => Expr::call("~", vec![convert_expr(x)?]),
        other => return Err(not_supported(&format!("The unary operator {other}"))),
    })
}

fn binary(left: &ast::Expr, op: &BinaryOperator, right: &ast::Expr) -> Result<Expr> {
    if matches!(op, BinaryOperator::And | BinaryOperator::Or) {
        return logical_chain(left, op, right);
    }
    let l = convert_expr(left)?;
    let r = convert_expr(right)?;
    binary_of(op, l, r)
}

/// `a OR b OR c OR …` (or AND): Spark's parser makes the unparenthesized chain a balanced tree, not a left-deep one,
/// which its generated names show (`((a OR b) OR (c OR d))`) and which keeps generated chains of thousands of terms
/// shallow.
fn logical_chain(left: &ast::Expr, op: &BinaryOperator, right: &ast::Expr) -> Result<Expr> {
    let mut terms = vec![right];
    let mut current = left;
    while let ast::Expr::BinaryOp { left: l, op: o, right: r } = current {
        if o != op {
            break;
        }
        terms.push(r);
        current = l;
    }
    terms.push(current);
    terms.reverse();
    let terms = terms.into_iter().map(convert_expr).collect::<Result<Vec<_>>>()?;
    balanced(op, terms)
}

fn balanced(op: &BinaryOperator, mut terms: Vec<Expr>) -> Result<Expr> {
    if terms.len() == 1 {
        return Ok(terms.pop().expect("one term"));
    }
    // The left half takes the middle term, as Spark splits.
    let right = terms.split_off((terms.len() - 1) / 2 + 1);
    binary_of(op, balanced(op, terms)?, balanced(op, right)?)
}

fn binary_of(op: &BinaryOperator, l: Expr, r: Expr) -> Result<Expr> {
    let op = match op {
        BinaryOperator::Plus => BinaryOp::Plus,
        BinaryOperator::Minus => BinaryOp::Minus,
        BinaryOperator::Multiply => BinaryOp::Multiply,
        BinaryOperator::Divide => BinaryOp::Divide,
        BinaryOperator::Modulo => BinaryOp::Modulo,
        BinaryOperator::MyIntegerDivide => BinaryOp::IntDivide,
        BinaryOperator::Eq => BinaryOp::Eq,
        // Spark's parser turns `!=` and `<>` into NOT (a = b); the generated name shows it.
        BinaryOperator::NotEq => return Ok(not(Expr::binary(BinaryOp::Eq, l, r))),
        BinaryOperator::Spaceship => BinaryOp::EqNullSafe,
        BinaryOperator::Lt => BinaryOp::Lt,
        BinaryOperator::LtEq => BinaryOp::LtEq,
        BinaryOperator::Gt => BinaryOp::Gt,
        BinaryOperator::GtEq => BinaryOp::GtEq,
        BinaryOperator::And => BinaryOp::And,
        BinaryOperator::Or => BinaryOp::Or,
        BinaryOperator::BitwiseAnd => BinaryOp::BitAnd,
        BinaryOperator::BitwiseOr => BinaryOp::BitOr,
        BinaryOperator::BitwiseXor => BinaryOp::BitXor,
        BinaryOperator::StringConcat => return Ok(Expr::call("concat", vec![l, r])),
        // Spark 4 registers the shift operators as functions named `<<`, `>>`, `>>>` (shown `(x << 2)`).
        BinaryOperator::PGBitwiseShiftLeft => return Ok(Expr::call("<<", vec![l, r])),
        BinaryOperator::PGBitwiseShiftRight => return Ok(Expr::call(">>", vec![l, r])),
        BinaryOperator::Custom(op) if op == ">>>" => return Ok(Expr::call(">>>", vec![l, r])),
        other => return Err(not_supported(&format!("The operator {other}"))),
    };
    Ok(Expr::binary(op, l, r))
}

fn like(
    negated: bool,
    any: bool,
    expr: &ast::Expr,
    pattern: &ast::Expr,
    escape: &Option<ast::ValueWithSpan>,
    case_insensitive: bool,
) -> Result<Expr> {
    if any {
        return Err(not_supported("LIKE ANY/ALL"));
    }
    let escape = match escape {
        None => '\\',
        Some(v) => {
            let text = string_value(&v.value).unwrap_or_else(|| v.value.to_string());
            let mut chars = text.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => c,
                _ => {
                    return Err(parse_error(
                        "INVALID_ESC",
                        format!(
                            "Found an invalid escape string: '{text}'. The escape string must contain only one \
                             character. SQLSTATE: 42604"
                        ),
                    ))
                }
            }
        }
    };
    let e = Expr::Like { expr: boxed(expr)?, pattern: boxed(pattern)?, negated: false, case_insensitive, escape };
    // NOT LIKE is NOT (… LIKE …) in Spark's tree, so the name reads `(NOT s LIKE a%)`.
    Ok(if negated { not(e) } else { e })
}

fn ceil_floor(name: &str, expr: &ast::Expr, kind: &CeilFloorKind) -> Result<Expr> {
    let mut args = vec![convert_expr(expr)?];
    match kind {
        CeilFloorKind::DateTimeField(ast::DateTimeField::NoDateTime) => {}
        CeilFloorKind::Scale(v) => args.push(value(&v.value)?),
        CeilFloorKind::DateTimeField(f) => return Err(not_supported(&format!("{name}(… TO {f})"))),
    }
    Ok(Expr::call(name, args))
}

fn function(f: &ast::Function) -> Result<Expr> {
    let name = f
        .name
        .0
        .last()
        .and_then(|p| p.as_ident())
        .map(|i| ident_value(i).to_lowercase())
        .ok_or_else(|| not_supported(&format!("The function name {}", f.name)))?;
    if f.filter.is_some() {
        return Err(not_supported("An aggregate FILTER clause"));
    }
    if f.null_treatment.is_some() {
        return Err(not_supported("IGNORE/RESPECT NULLS"));
    }
    if !f.within_group.is_empty() {
        return Err(not_supported("WITHIN GROUP"));
    }
    if !matches!(f.parameters, FunctionArguments::None) {
        return Err(not_supported("Parameterised function calls"));
    }
    let (args, distinct) = match &f.args {
        FunctionArguments::None => (vec![], false),
        FunctionArguments::Subquery(_) => return Err(not_supported("A subquery")),
        FunctionArguments::List(list) => {
            if !list.clauses.is_empty() {
                return Err(not_supported(&format!("Clauses inside the arguments of {name}(…)")));
            }
            let distinct = matches!(list.duplicate_treatment, Some(DuplicateTreatment::Distinct));
            let mut args = Vec::with_capacity(list.args.len());
            for a in &list.args {
                match a {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => args.push(convert_expr(e)?),
                    // count(*) is count(1) in Spark's parser.
                    FunctionArg::Unnamed(FunctionArgExpr::Wildcard) if name == "count" && list.args.len() == 1 => {
                        args.push(Expr::lit(Arc::new(Int32Array::from(vec![1]))))
                    }
                    // `f(*)`, `f(t.*)`: the planner expands the star into the input's columns, as Spark does.
                    FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => args.push(Expr::Star(None)),
                    FunctionArg::Unnamed(FunctionArgExpr::QualifiedWildcard(q)) => {
                        args.push(Expr::Star(Some(q.0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("."))))
                    }
                    _ => return Err(not_supported(&format!("Named arguments of {name}(…)"))),
                }
            }
            (args, distinct)
        }
    };
    let call = Expr::Function { name, args, distinct };
    match &f.over {
        None => Ok(call),
        Some(WindowType::NamedWindow(w)) => Err(not_supported(&format!("The named window {w}"))),
        Some(WindowType::WindowSpec(spec)) => {
            let frame = spec.window_frame.as_ref().map(convert_frame).transpose()?;
            if spec.window_name.is_some() {
                return Err(not_supported("A window name reference"));
            }
            let partition_by = spec.partition_by.iter().map(convert_expr).collect::<Result<_>>()?;
            let order_by = spec.order_by.iter().map(convert_order_by).collect::<Result<_>>()?;
            Ok(Expr::Window(Arc::new(WindowExpr { function: call, partition_by, order_by, frame })))
        }
    }
}

/// An ORDER BY item as an `Expr::Sort` with Spark's defaults (ASC; NULLS FIRST for ASC, NULLS LAST for DESC).
pub fn convert_order_by(o: &ast::OrderByExpr) -> Result<Expr> {
    let ascending = o.options.asc.unwrap_or(true);
    let nulls_first = o.options.nulls_first.unwrap_or(ascending);
    Ok(Expr::Sort { expr: Box::new(convert_expr(&o.expr)?), ascending, nulls_first })
}

/// A SQL data type (`CAST(x AS …)`) to the Arrow type ember uses for the Spark type.
pub fn convert_data_type(t: &ast::DataType) -> Result<DataType> {
    use ast::DataType as T;
    Ok(match t {
        T::Boolean | T::Bool => DataType::Boolean,
        T::TinyInt(_) => DataType::Int8,
        T::SmallInt(_) | T::Int2(_) => DataType::Int16,
        T::Int(_) | T::Integer(_) | T::Int4(_) => DataType::Int32,
        T::BigInt(_) | T::Int8(_) => DataType::Int64,
        T::Float(_) | T::Real | T::Float4 => DataType::Float32,
        T::Double(_) | T::DoublePrecision | T::Float8 => DataType::Float64,
        T::Decimal(info) | T::Dec(info) | T::Numeric(info) => {
            let (p, s) = match info {
                ast::ExactNumberInfo::None => (10, 0),
                ast::ExactNumberInfo::Precision(p) => (*p, 0),
                ast::ExactNumberInfo::PrecisionAndScale(p, s) => (*p, *s),
            };
            if p == 0 || p > types::MAX_DECIMAL_PRECISION as u64 || s < 0 || s as u64 > p {
                return Err(parse_error(
                    "DECIMAL_PRECISION_EXCEEDS_MAX_PRECISION",
                    format!("Decimal precision {p} exceeds max precision 38. SQLSTATE: 22003"),
                ));
            }
            DataType::Decimal128(p as u8, s as i8)
        }
        T::String(_) | T::Text | T::Varchar(_) | T::Char(_) | T::Character(_) | T::CharacterVarying(_) => {
            DataType::Utf8
        }
        T::Binary(_) | T::Varbinary(_) | T::Bytea => DataType::Binary,
        T::Date => DataType::Date32,
        T::Timestamp(_, ast::TimezoneInfo::WithoutTimeZone) | T::TimestampNtz(_) => types::timestamp_ntz_type(),
        T::Timestamp(_, _) | T::Datetime(_) => types::timestamp_type(),
        T::Array(ast::ArrayElemTypeDef::AngleBracket(inner))
        | T::Array(ast::ArrayElemTypeDef::SquareBracket(inner, _))
        | T::Array(ast::ArrayElemTypeDef::Parenthesis(inner)) => types::array_type(convert_data_type(inner)?, true),
        T::Map(k, v) => types::map_type(convert_data_type(k)?, convert_data_type(v)?, true),
        T::Struct(fields, _) => {
            let fields: Vec<Field> = fields
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let name = f.field_name.as_ref().map(ident_value).unwrap_or_else(|| format!("col{}", i + 1));
                    Ok(Field::new(name, convert_data_type(&f.field_type)?, true))
                })
                .collect::<Result<_>>()?;
            DataType::Struct(Fields::from(fields))
        }
        T::Custom(name, args) if args.is_empty() => match name.to_string().to_ascii_lowercase().as_str() {
            "byte" => DataType::Int8,
            "short" => DataType::Int16,
            "long" => DataType::Int64,
            "timestamp_ltz" => types::timestamp_type(),
            "void" => DataType::Null,
            other => return Err(unsupported_type(other)),
        },
        other => return Err(unsupported_type(&other.to_string())),
    })
}

fn unsupported_type(name: &str) -> crate::error::EmberError {
    parse_error("UNSUPPORTED_DATATYPE", format!("Unsupported data type \"{}\". SQLSTATE: 0A000", name.to_uppercase()))
}

/// `ROWS|RANGE BETWEEN <bound> AND <bound>` (or one bound: up to the current row).
fn convert_frame(f: &ast::WindowFrame) -> Result<WindowFrame> {
    let rows = match f.units {
        ast::WindowFrameUnits::Rows => true,
        ast::WindowFrameUnits::Range => false,
        ast::WindowFrameUnits::Groups => return Err(not_supported("A GROUPS window frame")),
    };
    let offset = |e: &ast::Expr| -> Result<i64> {
        match e {
            ast::Expr::Value(v) => match &v.value {
                Value::Number(n, _) => n.parse::<i64>().map_err(|_| not_supported("A non-integer window frame bound")),
                _ => Err(not_supported("A non-numeric window frame bound")),
            },
            _ => Err(not_supported("A window frame bound that is not a literal")),
        }
    };
    let bound = |b: &ast::WindowFrameBound| -> Result<FrameBound> {
        Ok(match b {
            ast::WindowFrameBound::CurrentRow => FrameBound::Offset(0),
            ast::WindowFrameBound::Preceding(None) => FrameBound::UnboundedPreceding,
            ast::WindowFrameBound::Following(None) => FrameBound::UnboundedFollowing,
            ast::WindowFrameBound::Preceding(Some(e)) => FrameBound::Offset(-offset(e)?),
            ast::WindowFrameBound::Following(Some(e)) => FrameBound::Offset(offset(e)?),
        })
    };
    let end = f.end_bound.as_ref().map(bound).transpose()?.unwrap_or(FrameBound::Offset(0));
    Ok(WindowFrame { rows, start: bound(&f.start_bound)?, end })
}
