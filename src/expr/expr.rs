//! The unresolved expression tree behind `Column`: built by `ember.sql.functions`, Column operators and SQL strings.
use std::fmt;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef};
use arrow::datatypes::DataType;

/// Binary operators with Spark's SQL spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Plus,
    Minus,
    Multiply,
    Divide,
    /// `div`: integral division.
    IntDivide,
    Modulo,
    Eq,
    /// `<=>`: null-safe equality.
    EqNullSafe,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    And,
    Or,
    BitAnd,
    BitOr,
    BitXor,
}

impl BinaryOp {
    /// The operator as Spark prints it in generated column names.
    pub fn symbol(&self) -> &'static str {
        match self {
            BinaryOp::Plus => "+",
            BinaryOp::Minus => "-",
            BinaryOp::Multiply => "*",
            BinaryOp::Divide => "/",
            BinaryOp::IntDivide => "div",
            BinaryOp::Modulo => "%",
            BinaryOp::Eq => "=",
            BinaryOp::EqNullSafe => "<=>",
            BinaryOp::NotEq => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::LtEq => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::GtEq => ">=",
            BinaryOp::And => "AND",
            BinaryOp::Or => "OR",
            BinaryOp::BitAnd => "&",
            BinaryOp::BitOr => "|",
            BinaryOp::BitXor => "^",
        }
    }

    pub fn is_comparison(&self) -> bool {
        matches!(
            self,
            BinaryOp::Eq
                | BinaryOp::EqNullSafe
                | BinaryOp::NotEq
                | BinaryOp::Lt
                | BinaryOp::LtEq
                | BinaryOp::Gt
                | BinaryOp::GtEq
        )
    }
}

/// A literal: one value held as a length-1 Arrow array (any type, nested included).
#[derive(Clone)]
pub struct Literal(pub ArrayRef);

impl Literal {
    pub fn data_type(&self) -> &DataType {
        self.0.data_type()
    }
    pub fn is_null(&self) -> bool {
        self.0.logical_null_count() > 0
    }
}

impl fmt::Debug for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Literal({:?})", self.0)
    }
}

/// An expression before resolution. Column names are resolved against the input plan's schema by
/// `resolve::Resolver`, which also applies Spark's implicit casts and picks function implementations.
#[derive(Debug, Clone)]
pub enum Expr {
    /// A column by (possibly dotted, possibly qualified) name: `col("a")`, `col("t.a")`, `col("s.field")`.
    /// Parts are already split on unquoted dots; backquoted parts keep their dots.
    Column(Vec<String>),
    /// A column bound to one attribute of a specific DataFrame: `df["a"]`, `df.a`.
    Attribute {
        id: u64,
        name: String,
    },
    Literal(Literal),
    /// A literal Spark names by its typed form (`INTERVAL '01' HOUR`): the Arrow type cannot carry the interval's
    /// start/end fields that the name shows.
    NamedLiteral {
        value: Literal,
        sql: String,
    },
    Alias {
        expr: Box<Expr>,
        name: String,
    },
    /// `alias("a", "b")` on a generator with several output columns (`posexplode`).
    MultiAlias {
        expr: Box<Expr>,
        names: Vec<String>,
    },
    Cast {
        expr: Box<Expr>,
        to: DataType,
    },
    Binary {
        op: BinaryOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    Not(Box<Expr>),
    Negative(Box<Expr>),
    IsNull(Box<Expr>),
    IsNotNull(Box<Expr>),
    /// A call of a named function from the function table (scalar, aggregate or generator).
    Function {
        name: String,
        args: Vec<Expr>,
        distinct: bool,
    },
    CaseWhen {
        branches: Vec<(Expr, Expr)>,
        otherwise: Option<Box<Expr>>,
    },
    InList {
        expr: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
    },
    /// `s.field` / `getField`.
    GetField {
        expr: Box<Expr>,
        name: String,
    },
    /// `a[i]`, `m[key]` / `getItem`.
    GetItem {
        expr: Box<Expr>,
        key: Box<Expr>,
    },
    /// An ordering for sort: `asc`, `desc_nulls_last`, …
    Sort {
        expr: Box<Expr>,
        ascending: bool,
        nulls_first: bool,
    },
    /// `*` or `t.*`.
    Star(Option<String>),
    /// `f(x)` in SQL's LIKE family, kept apart so the generated name reads like Spark's.
    Like {
        expr: Box<Expr>,
        pattern: Box<Expr>,
        negated: bool,
        case_insensitive: bool,
        escape: char,
    },
    /// A column over a window specification (`F.row_number().over(w)`), resolved by the window operator.
    Window(Arc<WindowExpr>),
    /// A call of a function given as an object rather than a name: a user-defined function (Python's `udf`).
    UserFunction {
        func: UserFunction,
        args: Vec<Expr>,
    },
}

/// A user-defined scalar function carried by the expression itself.
#[derive(Clone)]
pub struct UserFunction(pub Arc<dyn crate::expr::functions::ScalarFunction>);

impl fmt::Debug for UserFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserFunction({})", self.0.name())
    }
}

/// A window function call with its specification.
#[derive(Debug, Clone)]
pub struct WindowExpr {
    pub function: Expr,
    pub partition_by: Vec<Expr>,
    pub order_by: Vec<Expr>,
    /// `rowsBetween` / `rangeBetween`; None: Spark's default for the function and ordering.
    pub frame: Option<WindowFrame>,
}

/// A window frame: which rows around the current one a window function sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowFrame {
    /// ROWS (by position) or RANGE (by the ordering value).
    pub rows: bool,
    pub start: FrameBound,
    pub end: FrameBound,
}

/// One end of a frame; an offset is negative before the current row, 0 at it, positive after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameBound {
    UnboundedPreceding,
    Offset(i64),
    UnboundedFollowing,
}

impl Expr {
    pub fn col(name: &str) -> Expr {
        Expr::Column(split_name_parts(name))
    }
    pub fn lit(array: ArrayRef) -> Expr {
        Expr::Literal(Literal(array))
    }
    pub fn call(name: &str, args: Vec<Expr>) -> Expr {
        Expr::Function { name: name.to_string(), args, distinct: false }
    }
    pub fn alias(self, name: &str) -> Expr {
        Expr::Alias { expr: Box::new(self.strip_alias()), name: name.to_string() }
    }
    pub fn binary(op: BinaryOp, left: Expr, right: Expr) -> Expr {
        Expr::Binary { op, left: Box::new(left), right: Box::new(right) }
    }
    /// The expression without a top-level alias.
    pub fn strip_alias(self) -> Expr {
        match self {
            Expr::Alias { expr, .. } | Expr::MultiAlias { expr, .. } => *expr,
            other => other,
        }
    }
    /// The name given by `alias`, if any.
    pub fn alias_name(&self) -> Option<&str> {
        match self {
            Expr::Alias { name, .. } => Some(name),
            _ => None,
        }
    }
    /// Visit every sub-expression (pre-order), including `self`.
    #[recursive::recursive]
    pub fn walk(&self, f: &mut dyn FnMut(&Expr)) {
        f(self);
        self.children().into_iter().for_each(|c| c.walk(f));
    }

    /// The direct sub-expressions, in evaluation order.
    pub fn children(&self) -> Vec<&Expr> {
        match self {
            Expr::Alias { expr, .. }
            | Expr::MultiAlias { expr, .. }
            | Expr::Cast { expr, .. }
            | Expr::Not(expr)
            | Expr::Negative(expr)
            | Expr::IsNull(expr)
            | Expr::IsNotNull(expr)
            | Expr::GetField { expr, .. }
            | Expr::Sort { expr, .. } => vec![expr],
            Expr::Binary { left, right, .. } => vec![left, right],
            Expr::Function { args, .. } | Expr::UserFunction { args, .. } => args.iter().collect(),
            Expr::CaseWhen { branches, otherwise } => {
                branches.iter().flat_map(|(c, v)| [c, v]).chain(otherwise.as_deref()).collect()
            }
            Expr::InList { expr, list, .. } => std::iter::once(&**expr).chain(list).collect(),
            Expr::GetItem { expr, key } => vec![expr, key],
            Expr::Like { expr, pattern, .. } => vec![expr, pattern],
            Expr::Window(w) => std::iter::once(&w.function).chain(&w.partition_by).chain(&w.order_by).collect(),
            Expr::Column(_) | Expr::Attribute { .. } | Expr::Literal(_) | Expr::NamedLiteral { .. } | Expr::Star(_) => {
                vec![]
            }
        }
    }

    /// Whether the tree has more than `levels` levels; looks no deeper than that.
    #[recursive::recursive]
    pub fn nests_deeper_than(&self, levels: usize) -> bool {
        levels == 0 || self.children().into_iter().any(|c| c.nests_deeper_than(levels - 1))
    }
    /// Rebuild the tree bottom-up, replacing each node by `f(node)` after its children were rewritten.
    #[recursive::recursive]
    pub fn transform_up(self, f: &mut dyn FnMut(Expr) -> Expr) -> Expr {
        let b = |e: Box<Expr>, f: &mut dyn FnMut(Expr) -> Expr| Box::new(e.transform_up(f));
        let rebuilt = match self {
            Expr::Alias { expr, name } => Expr::Alias { expr: b(expr, f), name },
            Expr::MultiAlias { expr, names } => Expr::MultiAlias { expr: b(expr, f), names },
            Expr::Cast { expr, to } => Expr::Cast { expr: b(expr, f), to },
            Expr::Not(e) => Expr::Not(b(e, f)),
            Expr::Negative(e) => Expr::Negative(b(e, f)),
            Expr::IsNull(e) => Expr::IsNull(b(e, f)),
            Expr::IsNotNull(e) => Expr::IsNotNull(b(e, f)),
            Expr::GetField { expr, name } => Expr::GetField { expr: b(expr, f), name },
            Expr::Sort { expr, ascending, nulls_first } => Expr::Sort { expr: b(expr, f), ascending, nulls_first },
            Expr::Binary { op, left, right } => Expr::Binary { op, left: b(left, f), right: b(right, f) },
            Expr::Function { name, args, distinct } => {
                Expr::Function { name, args: args.into_iter().map(|a| a.transform_up(f)).collect(), distinct }
            }
            Expr::UserFunction { func, args } => {
                Expr::UserFunction { func, args: args.into_iter().map(|a| a.transform_up(f)).collect() }
            }
            Expr::CaseWhen { branches, otherwise } => Expr::CaseWhen {
                branches: branches.into_iter().map(|(c, v)| (c.transform_up(f), v.transform_up(f))).collect(),
                otherwise: otherwise.map(|o| b(o, f)),
            },
            Expr::InList { expr, list, negated } => {
                Expr::InList { expr: b(expr, f), list: list.into_iter().map(|a| a.transform_up(f)).collect(), negated }
            }
            Expr::GetItem { expr, key } => Expr::GetItem { expr: b(expr, f), key: b(key, f) },
            Expr::Like { expr, pattern, negated, case_insensitive, escape } => {
                Expr::Like { expr: b(expr, f), pattern: b(pattern, f), negated, case_insensitive, escape }
            }
            leaf => leaf,
        };
        f(rebuilt)
    }
}

/// Split a column name on dots that are not inside backquotes; backquotes are removed (`` `a.b`.c `` → [a.b, c]).
pub fn split_name_parts(name: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut in_quote = false;
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '`' if in_quote && chars.peek() == Some(&'`') => {
                chars.next();
                cur.push('`');
            }
            '`' => in_quote = !in_quote,
            '.' if !in_quote => parts.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    parts.push(cur);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_names_on_unquoted_dots() {
        assert_eq!(split_name_parts("a.b"), vec!["a", "b"]);
        assert_eq!(split_name_parts("`a.b`.c"), vec!["a.b", "c"]);
        assert_eq!(split_name_parts("plain"), vec!["plain"]);
    }
}
