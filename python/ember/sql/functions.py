"""``pyspark.sql.functions``: builders of Column expressions. Each call names a function of the engine's function
table; no data is touched here."""
from typing import Any, Dict, Optional, Union

from ember import _native
from ember.errors import PySparkTypeError, PySparkValueError, _error
from ember.sql.column import Column, _to_col_jc, _to_jc

ColumnOrName = Union[Column, str]


def _call(name: str, *cols: Any, distinct: bool = False) -> Column:
    return Column(_native.Column.call(name, [_to_col_jc(c) for c in cols], distinct))


def _call_mixed(name: str, *args: Any) -> Column:
    """Arguments given as (value, is_column) pairs: columns by name, the rest as literals."""
    return Column(_native.Column.call(name, [_to_col_jc(a) if is_col else _to_jc(a) for a, is_col in args]))


def _lit_jc(v: Any):
    return _to_jc(v)


# --- basics -------------------------------------------------------------------------------------------------
def col(col: str) -> Column:
    if not isinstance(col, str):
        raise _error(PySparkTypeError, "NOT_STR", f"Argument `col` should be a str, got {type(col).__name__}.")
    return Column(_native.Column.col(col))


column = col


def lit(col: Any) -> Column:
    if isinstance(col, Column):
        return col
    if isinstance(col, list):
        # As PySpark: a list is array(lit(x), ...), a function call that names the column `array(...)`.
        return _call("array", *[lit(x) for x in col])
    return Column(_native.Column.lit(col))


def expr(str: str) -> Column:
    return Column(_native.Column.sql(str))


def when(condition: Column, value: Any) -> Column:
    if not isinstance(condition, Column):
        raise _error(PySparkTypeError, "NOT_COLUMN", f"Argument `condition` should be a Column, got {type(condition).__name__}.")
    return Column(_native.Column.when(condition._jc, _to_jc(value)))


def coalesce(*cols: ColumnOrName) -> Column:
    return _call("coalesce", *cols)


def broadcast(df):
    return df.hint("broadcast")


def asc(col: ColumnOrName) -> Column:
    return Column(_to_col_jc(col)).asc()


def desc(col: ColumnOrName) -> Column:
    return Column(_to_col_jc(col)).desc()


def asc_nulls_first(col: ColumnOrName) -> Column:
    return Column(_to_col_jc(col)).asc_nulls_first()


def asc_nulls_last(col: ColumnOrName) -> Column:
    return Column(_to_col_jc(col)).asc_nulls_last()


def desc_nulls_first(col: ColumnOrName) -> Column:
    return Column(_to_col_jc(col)).desc_nulls_first()


def desc_nulls_last(col: ColumnOrName) -> Column:
    return Column(_to_col_jc(col)).desc_nulls_last()


# --- aggregates ---------------------------------------------------------------------------------------------
def count(col: ColumnOrName) -> Column:
    if isinstance(col, str) and col == "*":
        return Column(_native.Column.call("count", [_native.Column.lit(1)]))
    return _call("count", col)


def countDistinct(col: ColumnOrName, *cols: ColumnOrName) -> Column:
    return _call("count", col, *cols, distinct=True)


count_distinct = countDistinct


def sum(col: ColumnOrName) -> Column:
    return _call("sum", col)


def sum_distinct(col: ColumnOrName) -> Column:
    return _call("sum", col, distinct=True)


sumDistinct = sum_distinct


def avg(col: ColumnOrName) -> Column:
    return _call("avg", col)


mean = avg


def min(col: ColumnOrName) -> Column:
    return _call("min", col)


def max(col: ColumnOrName) -> Column:
    return _call("max", col)


def first(col: ColumnOrName, ignorenulls: bool = False) -> Column:
    if ignorenulls:
        return _call_mixed("first", (col, True), (True, False))
    return _call("first", col)


def last(col: ColumnOrName, ignorenulls: bool = False) -> Column:
    if ignorenulls:
        return _call_mixed("last", (col, True), (True, False))
    return _call("last", col)


def collect_list(col: ColumnOrName) -> Column:
    return _call("collect_list", col)


def collect_set(col: ColumnOrName) -> Column:
    return _call("collect_set", col)


def stddev(col: ColumnOrName) -> Column:
    return _call("stddev", col)


std = stddev


def stddev_samp(col: ColumnOrName) -> Column:
    return _call("stddev_samp", col)


def stddev_pop(col: ColumnOrName) -> Column:
    return _call("stddev_pop", col)


def variance(col: ColumnOrName) -> Column:
    return _call("variance", col)


def var_samp(col: ColumnOrName) -> Column:
    return _call("var_samp", col)


def var_pop(col: ColumnOrName) -> Column:
    return _call("var_pop", col)


def approx_count_distinct(col: ColumnOrName, rsd: Optional[float] = None) -> Column:
    if rsd is None:
        return _call("approx_count_distinct", col)
    # PySpark hands rsd to the JVM as a double, so `rsd=0` is 0.0 (SQL takes only a double or decimal literal).
    return _call_mixed("approx_count_distinct", (col, True), (float(rsd), False))


approxCountDistinct = approx_count_distinct


def count_if(col: ColumnOrName) -> Column:
    return _call("count_if", col)


def any_value(col: ColumnOrName, ignoreNulls: Optional[bool] = None) -> Column:
    return _call("any_value", col)


def product(col: ColumnOrName) -> Column:
    return _call("product", col)


def skewness(col: ColumnOrName) -> Column:
    return _call("skewness", col)


def kurtosis(col: ColumnOrName) -> Column:
    return _call("kurtosis", col)


def max_by(col: ColumnOrName, ord: ColumnOrName) -> Column:
    return _call("max_by", col, ord)


def min_by(col: ColumnOrName, ord: ColumnOrName) -> Column:
    return _call("min_by", col, ord)


def bool_and(col: ColumnOrName) -> Column:
    return _call("bool_and", col)


def bool_or(col: ColumnOrName) -> Column:
    return _call("bool_or", col)


every = bool_and
some = bool_or


# --- strings ------------------------------------------------------------------------------------------------
def concat(*cols: ColumnOrName) -> Column:
    return _call("concat", *cols)


def concat_ws(sep: str, *cols: ColumnOrName) -> Column:
    return Column(_native.Column.call("concat_ws", [_to_jc(sep)] + [_to_col_jc(c) for c in cols]))


def lower(col: ColumnOrName) -> Column:
    return _call("lower", col)


def upper(col: ColumnOrName) -> Column:
    return _call("upper", col)


def length(col: ColumnOrName) -> Column:
    return _call("length", col)


def char_length(col: ColumnOrName) -> Column:
    return _call("char_length", col)


def _trim(name: str, col: ColumnOrName, trim: Optional[ColumnOrName]) -> Column:
    if trim is None:
        return _call(name, col)
    return Column(_native.Column.call(name, [_to_col_jc(col), _to_jc(trim)]))


def trim(col: ColumnOrName, trim: Optional[ColumnOrName] = None) -> Column:
    return _trim("trim", col, trim)


def ltrim(col: ColumnOrName, trim: Optional[ColumnOrName] = None) -> Column:
    return _trim("ltrim", col, trim)


def rtrim(col: ColumnOrName, trim: Optional[ColumnOrName] = None) -> Column:
    return _trim("rtrim", col, trim)


def lpad(col: ColumnOrName, len: Any, pad: Any) -> Column:
    return _call_mixed("lpad", (col, True), (len, False), (pad, False))


def rpad(col: ColumnOrName, len: Any, pad: Any) -> Column:
    return _call_mixed("rpad", (col, True), (len, False), (pad, False))


def substring(str: ColumnOrName, pos: Any, len: Any) -> Column:
    return _call_mixed("substring", (str, True), (pos, False), (len, False))


def substr(str: ColumnOrName, pos: ColumnOrName, len: Optional[ColumnOrName] = None) -> Column:
    if len is None:
        return _call("substr", str, pos)
    return _call("substr", str, pos, len)


def split(str: ColumnOrName, pattern: Any, limit: Any = -1) -> Column:
    return _call_mixed("split", (str, True), (pattern, False), (limit, False))


def regexp_replace(string: ColumnOrName, pattern: Any, replacement: Any) -> Column:
    return _call_mixed("regexp_replace", (string, True), (pattern, False), (replacement, False))


def regexp_extract(str: ColumnOrName, pattern: str, idx: int) -> Column:
    return _call_mixed("regexp_extract", (str, True), (pattern, False), (idx, False))


def regexp_extract_all(str: ColumnOrName, regexp: Any, idx: Any = None) -> Column:
    if idx is None:
        return _call_mixed("regexp_extract_all", (str, True), (regexp, False))
    return _call_mixed("regexp_extract_all", (str, True), (regexp, False), (idx, False))


def format_string(format: str, *cols: ColumnOrName) -> Column:
    return Column(_native.Column.call("format_string", [_to_jc(format)] + [_to_col_jc(c) for c in cols]))


printf = format_string


def initcap(col: ColumnOrName) -> Column:
    return _call("initcap", col)


def instr(str: ColumnOrName, substr: Any) -> Column:
    return _call_mixed("instr", (str, True), (substr, False))


def locate(substr: str, str: ColumnOrName, pos: int = 1) -> Column:
    return _call_mixed("locate", (substr, False), (str, True), (pos, False))


def translate(srcCol: ColumnOrName, matching: str, replace: str) -> Column:
    return _call_mixed("translate", (srcCol, True), (matching, False), (replace, False))


def reverse(col: ColumnOrName) -> Column:
    return _call("reverse", col)


def repeat(col: ColumnOrName, n: Any) -> Column:
    return _call_mixed("repeat", (col, True), (n, False))


def ascii(col: ColumnOrName) -> Column:
    return _call("ascii", col)


def base64(col: ColumnOrName) -> Column:
    return _call("base64", col)


def unbase64(col: ColumnOrName) -> Column:
    return _call("unbase64", col)


def levenshtein(left: ColumnOrName, right: ColumnOrName, threshold: Optional[int] = None) -> Column:
    if threshold is None:
        return _call("levenshtein", left, right)
    return _call_mixed("levenshtein", (left, True), (right, True), (threshold, False))


def left(str: ColumnOrName, len: ColumnOrName) -> Column:
    return _call("left", str, len)


def right(str: ColumnOrName, len: ColumnOrName) -> Column:
    return _call("right", str, len)


def replace(src: ColumnOrName, search: ColumnOrName, replace: Optional[ColumnOrName] = None) -> Column:
    if replace is None:
        return _call("replace", src, search)
    return _call("replace", src, search, replace)


def rlike(str: ColumnOrName, regexp: ColumnOrName) -> Column:
    return _call("rlike", str, regexp)


def startswith(str: ColumnOrName, prefix: ColumnOrName) -> Column:
    return _call("startswith", str, prefix)


def endswith(str: ColumnOrName, suffix: ColumnOrName) -> Column:
    return _call("endswith", str, suffix)


def contains(left: ColumnOrName, right: ColumnOrName) -> Column:
    return _call("contains", left, right)


# --- collections --------------------------------------------------------------------------------------------
def explode(col: ColumnOrName) -> Column:
    return _call("explode", col)


def explode_outer(col: ColumnOrName) -> Column:
    return _call("explode_outer", col)


def posexplode(col: ColumnOrName) -> Column:
    return _call("posexplode", col)


def posexplode_outer(col: ColumnOrName) -> Column:
    return _call("posexplode_outer", col)


def inline(col: ColumnOrName) -> Column:
    return _call("inline", col)


def inline_outer(col: ColumnOrName) -> Column:
    return _call("inline_outer", col)


def _varargs(cols):
    if len(cols) == 1 and isinstance(cols[0], (list, set, tuple)):
        return tuple(cols[0])
    return cols


def size(col: ColumnOrName) -> Column:
    return _call("size", col)


cardinality = size


def array(*cols: ColumnOrName) -> Column:
    return _call("array", *_varargs(cols))


def array_contains(col: ColumnOrName, value: Any) -> Column:
    return _call_mixed("array_contains", (col, True), (value, False))


def struct(*cols: ColumnOrName) -> Column:
    return _call("struct", *_varargs(cols))


def named_struct(*cols: ColumnOrName) -> Column:
    return _call("named_struct", *cols)


def create_map(*cols: ColumnOrName) -> Column:
    return _call("map", *_varargs(cols))


def element_at(col: ColumnOrName, extraction: Any) -> Column:
    return _call_mixed("element_at", (col, True), (extraction, False))


def array_distinct(col: ColumnOrName) -> Column:
    return _call("array_distinct", col)


def array_join(col: ColumnOrName, delimiter: str, null_replacement: Optional[str] = None) -> Column:
    if null_replacement is None:
        return _call_mixed("array_join", (col, True), (delimiter, False))
    return _call_mixed("array_join", (col, True), (delimiter, False), (null_replacement, False))


def array_max(col: ColumnOrName) -> Column:
    return _call("array_max", col)


def array_min(col: ColumnOrName) -> Column:
    return _call("array_min", col)


def array_position(col: ColumnOrName, value: Any) -> Column:
    return _call_mixed("array_position", (col, True), (value, False))


def array_remove(col: ColumnOrName, element: Any) -> Column:
    return _call_mixed("array_remove", (col, True), (element, False))


def sort_array(col: ColumnOrName, asc: bool = True) -> Column:
    return _call_mixed("sort_array", (col, True), (asc, False))


def map_keys(col: ColumnOrName) -> Column:
    return _call("map_keys", col)


def map_values(col: ColumnOrName) -> Column:
    return _call("map_values", col)


def flatten(col: ColumnOrName) -> Column:
    return _call("flatten", col)


def slice(x: ColumnOrName, start: Any, length: Any) -> Column:
    return _call_mixed("slice", (x, True), (start, False), (length, False))


# --- date and time ------------------------------------------------------------------------------------------
def current_timestamp() -> Column:
    return _call("current_timestamp")


def now() -> Column:
    return _call("now")


def current_date() -> Column:
    return _call("current_date")


def current_timezone() -> Column:
    return _call("current_timezone")


def to_timestamp(col: ColumnOrName, format: Optional[str] = None) -> Column:
    if format is None:
        return _call("to_timestamp", col)
    return _call_mixed("to_timestamp", (col, True), (format, False))


def to_timestamp_ntz(timestamp: ColumnOrName, format: Optional[ColumnOrName] = None) -> Column:
    if format is None:
        return _call("to_timestamp_ntz", timestamp)
    return _call_mixed("to_timestamp_ntz", (timestamp, True), (format, False))


def to_date(col: ColumnOrName, format: Optional[str] = None) -> Column:
    if format is None:
        return _call("to_date", col)
    return _call_mixed("to_date", (col, True), (format, False))


def date_format(date: ColumnOrName, format: str) -> Column:
    return _call_mixed("date_format", (date, True), (format, False))


def _unary(name):
    def f(col: ColumnOrName) -> Column:
        return _call(name, col)

    f.__name__ = name
    return f


year = _unary("year")
quarter = _unary("quarter")
month = _unary("month")
dayofmonth = _unary("dayofmonth")
day = _unary("day")
dayofweek = _unary("dayofweek")
weekday = _unary("weekday")
dayofyear = _unary("dayofyear")
weekofyear = _unary("weekofyear")
hour = _unary("hour")
minute = _unary("minute")
second = _unary("second")
last_day = _unary("last_day")
unix_date = _unary("unix_date")
unix_seconds = _unary("unix_seconds")
unix_millis = _unary("unix_millis")
unix_micros = _unary("unix_micros")
timestamp_seconds = _unary("timestamp_seconds")
timestamp_millis = _unary("timestamp_millis")
timestamp_micros = _unary("timestamp_micros")
date_from_unix_date = _unary("date_from_unix_date")


def unix_timestamp(timestamp: Optional[ColumnOrName] = None, format: str = "yyyy-MM-dd HH:mm:ss") -> Column:
    if timestamp is None:
        return _call("unix_timestamp")
    return _call_mixed("unix_timestamp", (timestamp, True), (format, False))


def from_unixtime(timestamp: ColumnOrName, format: str = "yyyy-MM-dd HH:mm:ss") -> Column:
    return _call_mixed("from_unixtime", (timestamp, True), (format, False))


def date_add(start: ColumnOrName, days: Any) -> Column:
    return _call_mixed("date_add", (start, True), (days, isinstance(days, (Column, str))))


def date_sub(start: ColumnOrName, days: Any) -> Column:
    return _call_mixed("date_sub", (start, True), (days, isinstance(days, (Column, str))))


def datediff(end: ColumnOrName, start: ColumnOrName) -> Column:
    return _call("datediff", end, start)


def add_months(start: ColumnOrName, months: Any) -> Column:
    return _call_mixed("add_months", (start, True), (months, isinstance(months, (Column, str))))


def months_between(date1: ColumnOrName, date2: ColumnOrName, roundOff: bool = True) -> Column:
    return _call_mixed("months_between", (date1, True), (date2, True), (roundOff, False))


def next_day(date: ColumnOrName, dayOfWeek: str) -> Column:
    return _call_mixed("next_day", (date, True), (dayOfWeek, False))


def date_trunc(format: str, timestamp: ColumnOrName) -> Column:
    return _call_mixed("date_trunc", (format, False), (timestamp, True))


def trunc(date: ColumnOrName, format: str) -> Column:
    return _call_mixed("trunc", (date, True), (format, False))


def from_utc_timestamp(timestamp: ColumnOrName, tz: Any) -> Column:
    return _call_mixed("from_utc_timestamp", (timestamp, True), (tz, isinstance(tz, Column)))


def to_utc_timestamp(timestamp: ColumnOrName, tz: Any) -> Column:
    return _call_mixed("to_utc_timestamp", (timestamp, True), (tz, isinstance(tz, Column)))


def make_date(year: ColumnOrName, month: ColumnOrName, day: ColumnOrName) -> Column:
    return _call("make_date", year, month, day)


# --- JSON ---------------------------------------------------------------------------------------------------
def _schema_arg(schema: Any):
    from ember.sql.types import DataType

    if isinstance(schema, DataType):
        return _native.Column.lit(schema.json())
    return _to_jc(schema)


def _options_map(options: Optional[Dict[str, str]]):
    if not options:
        return []
    items = []
    for k, v in options.items():
        items.append(_native.Column.lit(str(k)))
        items.append(_native.Column.lit(str(v)))
    return [_native.Column.call("map", items)]


def from_json(col: ColumnOrName, schema: Any, options: Optional[Dict[str, str]] = None) -> Column:
    return Column(_native.Column.call("from_json", [_to_col_jc(col), _schema_arg(schema)] + _options_map(options)))


def to_json(col: ColumnOrName, options: Optional[Dict[str, str]] = None) -> Column:
    return Column(_native.Column.call("to_json", [_to_col_jc(col)] + _options_map(options)))


def get_json_object(col: ColumnOrName, path: str) -> Column:
    return _call_mixed("get_json_object", (col, True), (path, False))


def json_tuple(col: ColumnOrName, *fields: str) -> Column:
    if not fields:
        raise _error(PySparkValueError, "CANNOT_BE_EMPTY", "At least one field must be specified.", item="field")
    return Column(_native.Column.call("json_tuple", [_to_col_jc(col)] + [_to_jc(f) for f in fields]))


def schema_of_json(json: Any, options: Optional[Dict[str, str]] = None) -> Column:
    return Column(_native.Column.call("schema_of_json", [_to_jc(json)] + _options_map(options)))


def json_array_length(col: ColumnOrName) -> Column:
    return _call("json_array_length", col)


def json_object_keys(col: ColumnOrName) -> Column:
    return _call("json_object_keys", col)


# --- math ---------------------------------------------------------------------------------------------------
def round(col: ColumnOrName, scale: Any = None) -> Column:
    return _call_mixed("round", (col, True), (0 if scale is None else scale, False))


def bround(col: ColumnOrName, scale: Any = None) -> Column:
    return _call_mixed("bround", (col, True), (0 if scale is None else scale, False))


abs = _unary("abs")
floor = _unary("floor")
ceil = _unary("ceil")
ceiling = _unary("ceiling")
sqrt = _unary("sqrt")
exp = _unary("exp")
log10 = _unary("log10")
log2 = _unary("log2")
log1p = _unary("log1p")
ln = _unary("ln")
signum = _unary("signum")
sign = _unary("sign")
cbrt = _unary("cbrt")
degrees = _unary("degrees")
radians = _unary("radians")
sin = _unary("sin")
cos = _unary("cos")
tan = _unary("tan")
asin = _unary("asin")
acos = _unary("acos")
atan = _unary("atan")
isnan = _unary("isnan")
isnull = _unary("isnull")
isnotnull = _unary("isnotnull")
negative = _unary("negative")
positive = _unary("positive")
hex = _unary("hex")
unhex = _unary("unhex")
bin = _unary("bin")


def log(arg1: Any, arg2: Optional[ColumnOrName] = None) -> Column:
    if arg2 is None:
        return _call("ln", arg1)
    return _call_mixed("log", (arg1, False), (arg2, True))


def pow(col1: Any, col2: Any) -> Column:
    return _call_mixed("power", (col1, isinstance(col1, (str, Column))), (col2, isinstance(col2, (str, Column))))


power = pow


def atan2(col1: Any, col2: Any) -> Column:
    return _call_mixed("atan2", (col1, isinstance(col1, (str, Column))), (col2, isinstance(col2, (str, Column))))


def hypot(col1: Any, col2: Any) -> Column:
    return _call_mixed("hypot", (col1, isinstance(col1, (str, Column))), (col2, isinstance(col2, (str, Column))))


def pmod(dividend: Any, divisor: Any) -> Column:
    return _call_mixed("pmod", (dividend, isinstance(dividend, (str, Column))), (divisor, isinstance(divisor, (str, Column))))


def greatest(*cols: ColumnOrName) -> Column:
    if len(cols) < 2:
        raise _error(PySparkValueError, "WRONG_NUM_COLUMNS", "Function `greatest` should take at least 2 columns.", func_name="greatest", num_cols="2")
    return _call("greatest", *cols)


def least(*cols: ColumnOrName) -> Column:
    if len(cols) < 2:
        raise _error(PySparkValueError, "WRONG_NUM_COLUMNS", "Function `least` should take at least 2 columns.", func_name="least", num_cols="2")
    return _call("least", *cols)


def nanvl(col1: ColumnOrName, col2: ColumnOrName) -> Column:
    return _call("nanvl", col1, col2)


def rand(seed: Optional[int] = None) -> Column:
    return Column(_native.Column.call("rand", [] if seed is None else [_to_jc(seed)]))


def randn(seed: Optional[int] = None) -> Column:
    return Column(_native.Column.call("randn", [] if seed is None else [_to_jc(seed)]))


# --- hashing and misc ---------------------------------------------------------------------------------------
def hash(*cols: ColumnOrName) -> Column:
    return _call("hash", *cols)


def xxhash64(*cols: ColumnOrName) -> Column:
    return _call("xxhash64", *cols)


md5 = _unary("md5")
sha1 = _unary("sha1")
crc32 = _unary("crc32")


def sha2(col: ColumnOrName, numBits: int) -> Column:
    if numBits not in (0, 224, 256, 384, 512):
        raise _error(PySparkValueError, "VALUE_NOT_ALLOWED", f"Value for `numBits` has to be amongst the following values: [0, 224, 256, 384, 512].", arg_name="numBits")
    return _call_mixed("sha2", (col, True), (numBits, False))


def monotonically_increasing_id() -> Column:
    return _call("monotonically_increasing_id")


def spark_partition_id() -> Column:
    return _call("spark_partition_id")


def input_file_name() -> Column:
    return _call("input_file_name")


# --- functions the engine has that PySpark names too -----------------------------------------------------------
# Arguments PySpark passes as columns (ColumnOrName) go through `_call`; those it wraps in lit() (ints, charsets,
# delimiters, element values) through `_call_mixed` as literals, exactly where PySpark puts each.
def _same(name: str, arity: int):
    """A wrapper for a PySpark function whose arguments are all columns, by the engine function of that name."""

    def wrapper(*cols: ColumnOrName) -> Column:
        return _call(name, *cols)

    wrapper.__name__ = wrapper.__qualname__ = name
    wrapper.__doc__ = f"``pyspark.sql.functions.{name}`` ({arity} column argument{'s' if arity != 1 else ''})."
    return wrapper


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def nullifzero(col: ColumnOrName) -> Column:
    return _call("nullifzero", col)


def zeroifnull(col: ColumnOrName) -> Column:
    return _call("zeroifnull", col)


def equal_null(col1: ColumnOrName, col2: ColumnOrName) -> Column:
    return _call("equal_null", col1, col2)


def like(str: ColumnOrName, pattern: ColumnOrName, escapeChar: Optional[Column] = None) -> Column:
    return _call("like", str, pattern) if escapeChar is None else _call("like", str, pattern, escapeChar)


def ilike(str: ColumnOrName, pattern: ColumnOrName, escapeChar: Optional[Column] = None) -> Column:
    return _call("ilike", str, pattern) if escapeChar is None else _call("ilike", str, pattern, escapeChar)


def regexp(str: ColumnOrName, regexp: ColumnOrName) -> Column:
    return _call("regexp", str, regexp)


def regexp_like(str: ColumnOrName, regexp: ColumnOrName) -> Column:
    return _call("regexp_like", str, regexp)


def regexp_count(str: ColumnOrName, regexp: ColumnOrName) -> Column:
    return _call("regexp_count", str, regexp)


def regexp_substr(str: ColumnOrName, regexp: ColumnOrName) -> Column:
    return _call("regexp_substr", str, regexp)


def regexp_instr(str: ColumnOrName, regexp: ColumnOrName, idx: Optional[Union[Column, int]] = None) -> Column:
    if idx is None:
        return _call("regexp_instr", str, regexp)
    return _call_mixed("regexp_instr", (str, True), (regexp, True), (idx, False))


acosh = _same("acosh", 1)
asinh = _same("asinh", 1)
atanh = _same("atanh", 1)
cosh = _same("cosh", 1)
sinh = _same("sinh", 1)
tanh = _same("tanh", 1)
cot = _same("cot", 1)
csc = _same("csc", 1)
sec = _same("sec", 1)
expm1 = _same("expm1", 1)
factorial = _same("factorial", 1)
rint = _same("rint", 1)
bit_length = _same("bit_length", 1)
octet_length = _same("octet_length", 1)
char = _same("char", 1)
character_length = _same("character_length", 1)
lcase = _same("lcase", 1)
ucase = _same("ucase", 1)
soundex = _same("soundex", 1)
sha = _same("sha", 1)
bit_count = _same("bit_count", 1)
bit_get = _same("bit_get", 2)
getbit = _same("getbit", 2)
find_in_set = _same("find_in_set", 2)
split_part = _same("split_part", 3)
date_diff = _same("date_diff", 2)
date_part = _same("date_part", 2)
datepart = _same("datepart", 2)
extract = _same("extract", 2)
try_element_at = _same("try_element_at", 2)
array_compact = _same("array_compact", 1)
array_except = _same("array_except", 2)
array_intersect = _same("array_intersect", 2)
array_union = _same("array_union", 2)
array_size = _same("array_size", 1)
arrays_overlap = _same("arrays_overlap", 2)
map_entries = _same("map_entries", 1)
map_from_arrays = _same("map_from_arrays", 2)
map_from_entries = _same("map_from_entries", 1)
array_agg = _same("array_agg", 1)
bit_and = _same("bit_and", 1)
bit_or = _same("bit_or", 1)
bit_xor = _same("bit_xor", 1)
corr = _same("corr", 2)
covar_pop = _same("covar_pop", 2)
covar_samp = _same("covar_samp", 2)
median = _same("median", 1)
try_avg = _same("try_avg", 1)
try_sum = _same("try_sum", 1)
regr_avgx = _same("regr_avgx", 2)
regr_avgy = _same("regr_avgy", 2)
regr_count = _same("regr_count", 2)
regr_intercept = _same("regr_intercept", 2)
regr_r2 = _same("regr_r2", 2)
regr_slope = _same("regr_slope", 2)
regr_sxx = _same("regr_sxx", 2)
regr_sxy = _same("regr_sxy", 2)
regr_syy = _same("regr_syy", 2)
e = _same("e", 0)
pi = _same("pi", 0)
curdate = _same("curdate", 0)
localtimestamp = _same("localtimestamp", 0)
current_catalog = _same("current_catalog", 0)
current_database = _same("current_database", 0)
current_schema = _same("current_schema", 0)
current_user = _same("current_user", 0)
session_user = _same("session_user", 0)
user = _same("user", 0)
version = _same("version", 0)


def conv(col: ColumnOrName, fromBase: int, toBase: int) -> Column:
    return _call_mixed("conv", (col, True), (fromBase, False), (toBase, False))


def decode(col: ColumnOrName, charset: str) -> Column:
    return _call_mixed("decode", (col, True), (charset, False))


def encode(col: ColumnOrName, charset: str) -> Column:
    return _call_mixed("encode", (col, True), (charset, False))


def format_number(col: ColumnOrName, d: int) -> Column:
    return _call_mixed("format_number", (col, True), (d, False))


def substring_index(str: ColumnOrName, delim: str, count: int) -> Column:
    return _call_mixed("substring_index", (str, True), (delim, False), (count, False))


def shiftleft(col: ColumnOrName, numBits: int) -> Column:
    return _call_mixed("shiftleft", (col, True), (numBits, False))


def shiftright(col: ColumnOrName, numBits: int) -> Column:
    return _call_mixed("shiftright", (col, True), (numBits, False))


def shiftrightunsigned(col: ColumnOrName, numBits: int) -> Column:
    return _call_mixed("shiftrightunsigned", (col, True), (numBits, False))


def btrim(str: ColumnOrName, trim: Optional[ColumnOrName] = None) -> Column:
    return _call("btrim", str) if trim is None else _call("btrim", str, trim)


def elt(*inputs: ColumnOrName) -> Column:
    return _call("elt", *inputs)


def mask(col: ColumnOrName, upperChar: Optional[ColumnOrName] = None, lowerChar: Optional[ColumnOrName] = None,
         digitChar: Optional[ColumnOrName] = None, otherChar: Optional[ColumnOrName] = None) -> Column:
    return _call("mask", col, lit("X") if upperChar is None else upperChar,
                 lit("x") if lowerChar is None else lowerChar, lit("n") if digitChar is None else digitChar,
                 lit(None) if otherChar is None else otherChar)


def overlay(src: ColumnOrName, replace: ColumnOrName, pos: Union[ColumnOrName, int],
            len: Union[ColumnOrName, int] = -1) -> Column:
    for name, v in (("pos", pos), ("len", len)):
        if not isinstance(v, (int, Column)) and not isinstance(v, type("")):
            raise _error(PySparkTypeError, "NOT_EXPECTED_TYPE", expected_type="Column, int or str", arg_name=name,
                         arg_type=type(v).__name__)
    return _call("overlay", src, replace, lit(pos) if _is_int(pos) else pos, lit(len) if _is_int(len) else len)


def position(substr: ColumnOrName, str: ColumnOrName, start: Optional[ColumnOrName] = None) -> Column:
    return _call("position", substr, str) if start is None else _call("position", substr, str, start)


def convert_timezone(sourceTz: Optional[Column], targetTz: Column, sourceTs: ColumnOrName) -> Column:
    if sourceTz is None:
        return _call("convert_timezone", targetTz, sourceTs)
    return _call("convert_timezone", sourceTz, targetTz, sourceTs)


def dateadd(start: ColumnOrName, days: Union[ColumnOrName, int]) -> Column:
    return _call("dateadd", start, lit(days) if _is_int(days) else days)


def make_timestamp_ltz(years: ColumnOrName, months: ColumnOrName, days: ColumnOrName, hours: ColumnOrName,
                       mins: ColumnOrName, secs: ColumnOrName, timezone: Optional[ColumnOrName] = None) -> Column:
    parts = (years, months, days, hours, mins, secs) + (() if timezone is None else (timezone,))
    return _call("make_timestamp_ltz", *parts)


def make_timestamp(years: Optional[ColumnOrName] = None, months: Optional[ColumnOrName] = None,
                   days: Optional[ColumnOrName] = None, hours: Optional[ColumnOrName] = None,
                   mins: Optional[ColumnOrName] = None, secs: Optional[ColumnOrName] = None,
                   timezone: Optional[ColumnOrName] = None, date: Optional[ColumnOrName] = None,
                   time: Optional[ColumnOrName] = None) -> Column:
    return _make_timestamp("make_timestamp", (years, months, days, hours, mins, secs), timezone, date, time)


def make_timestamp_ntz(years: Optional[ColumnOrName] = None, months: Optional[ColumnOrName] = None,
                       days: Optional[ColumnOrName] = None, hours: Optional[ColumnOrName] = None,
                       mins: Optional[ColumnOrName] = None, secs: Optional[ColumnOrName] = None,
                       date: Optional[ColumnOrName] = None, time: Optional[ColumnOrName] = None) -> Column:
    return _make_timestamp("make_timestamp_ntz", (years, months, days, hours, mins, secs), None, date, time)


def _make_timestamp(name: str, parts: tuple, timezone, date, time) -> Column:
    if parts[0] is not None and (date is not None or time is not None):
        raise _error(PySparkValueError, "CANNOT_SET_TOGETHER",
                     arg_list="years|months|days|hours|mins|secs and date|time")
    if parts[0] is None:
        # The date-and-time form is Spark 4.1's TIME type, which ember does not have.
        raise _error(PySparkValueError, "CANNOT_BE_NONE", arg_name="years")
    return _call(name, *parts, *(() if timezone is None else (timezone,)))


def to_timestamp_ltz(timestamp: ColumnOrName, format: Optional[ColumnOrName] = None) -> Column:
    return _call("to_timestamp_ltz", timestamp) if format is None else _call("to_timestamp_ltz", timestamp, format)


def to_unix_timestamp(timestamp: ColumnOrName, format: Optional[ColumnOrName] = None) -> Column:
    return _call("to_unix_timestamp", timestamp) if format is None else _call("to_unix_timestamp", timestamp, format)


def try_to_timestamp(col: ColumnOrName, format: Optional[ColumnOrName] = None) -> Column:
    return _call("try_to_timestamp", col) if format is None else _call("try_to_timestamp", col, format)


def array_sort(col: ColumnOrName, comparator=None) -> Column:
    if comparator is not None:
        raise _error(PySparkValueError, "UNSUPPORTED_OPERATION",
                     operation="array_sort with a comparator function (ember has no lambda functions yet)")
    return _call("array_sort", col)


def array_append(col: ColumnOrName, value: Any) -> Column:
    return _call("array_append", col, lit(value))


def array_prepend(col: ColumnOrName, value: Any) -> Column:
    return _call("array_prepend", col, lit(value))


def array_insert(arr: ColumnOrName, pos: Union[ColumnOrName, int], value: Any) -> Column:
    return _call("array_insert", arr, lit(pos) if _is_int(pos) else pos, lit(value))


def array_repeat(col: ColumnOrName, count: Union[ColumnOrName, int]) -> Column:
    return _call("array_repeat", col, lit(count) if _is_int(count) else count)


def get(col: ColumnOrName, index: Union[ColumnOrName, int]) -> Column:
    return _call("get", col, lit(index) if _is_int(index) else index)


def arrays_zip(*cols: ColumnOrName) -> Column:
    return _call("arrays_zip", *cols)


def sequence(start: ColumnOrName, stop: ColumnOrName, step: Optional[ColumnOrName] = None) -> Column:
    return _call("sequence", start, stop) if step is None else _call("sequence", start, stop, step)


def map_concat(*cols: ColumnOrName) -> Column:
    return _call("map_concat", *_varargs(cols))


def map_contains_key(col: ColumnOrName, value: Any) -> Column:
    return _call("map_contains_key", col, lit(value))


def str_to_map(text: ColumnOrName, pairDelim: Optional[ColumnOrName] = None,
               keyValueDelim: Optional[ColumnOrName] = None) -> Column:
    return _call("str_to_map", text, lit(",") if pairDelim is None else pairDelim,
                 lit(":") if keyValueDelim is None else keyValueDelim)


def _percentage(p: Any) -> Column:
    return lit(list(p)) if isinstance(p, (list, tuple)) else lit(p)


def approx_percentile(col: ColumnOrName, percentage: Any, accuracy: Union[Column, int] = 10000) -> Column:
    return _call("approx_percentile", col, _percentage(percentage), lit(accuracy))


def percentile_approx(col: ColumnOrName, percentage: Any, accuracy: Union[Column, int] = 10000) -> Column:
    return _call("percentile_approx", col, _percentage(percentage), lit(accuracy))


def percentile(col: ColumnOrName, percentage: Any, frequency: Union[Column, int] = 1) -> Column:
    return _call("percentile", col, _percentage(percentage), lit(frequency))


def first_value(col: ColumnOrName, ignoreNulls: Optional[Union[bool, Column]] = None) -> Column:
    if ignoreNulls is None:
        return _call("first_value", col)
    return _call("first_value", col, lit(ignoreNulls) if isinstance(ignoreNulls, bool) else ignoreNulls)


def last_value(col: ColumnOrName, ignoreNulls: Optional[Union[bool, Column]] = None) -> Column:
    if ignoreNulls is None:
        return _call("last_value", col)
    return _call("last_value", col, lit(ignoreNulls) if isinstance(ignoreNulls, bool) else ignoreNulls)


def listagg(col: ColumnOrName, delimiter: Optional[Union[Column, str, bytes]] = None) -> Column:
    return _call("listagg", col) if delimiter is None else _call("listagg", col, lit(delimiter))


def string_agg(col: ColumnOrName, delimiter: Optional[Union[Column, str, bytes]] = None) -> Column:
    return _call("string_agg", col) if delimiter is None else _call("string_agg", col, lit(delimiter))


def mode(col: ColumnOrName, deterministic: bool = False) -> Column:
    return _call_mixed("mode", (col, True), (deterministic, False))


def assert_true(col: ColumnOrName, errMsg: Optional[Union[Column, str]] = None) -> Column:
    if errMsg is None:
        return _call("assert_true", col)
    if not isinstance(errMsg, (Column, type(""))):
        raise _error(PySparkTypeError, "NOT_EXPECTED_TYPE", expected_type="Column or str", arg_name="errMsg",
                     arg_type=type(errMsg).__name__)
    return _call("assert_true", col, lit(errMsg))


def raise_error(errMsg: Union[Column, str]) -> Column:
    if not isinstance(errMsg, (Column, type(""))):
        raise _error(PySparkTypeError, "NOT_EXPECTED_TYPE", expected_type="Column or str", arg_name="errMsg",
                     arg_type=type(errMsg).__name__)
    return _call("raise_error", lit(errMsg))


def nvl(col1: ColumnOrName, col2: ColumnOrName) -> Column:
    return _call("nvl", col1, col2)


def ifnull(col1: ColumnOrName, col2: ColumnOrName) -> Column:
    return _call("ifnull", col1, col2)


def nullif(col1: ColumnOrName, col2: ColumnOrName) -> Column:
    return _call("nullif", col1, col2)


def nvl2(col1: ColumnOrName, col2: ColumnOrName, col3: ColumnOrName) -> Column:
    return _call("nvl2", col1, col2, col3)


def typeof(col: ColumnOrName) -> Column:
    return _call("typeof", col)


def _check_str(value: Any, name: str) -> None:
    if not isinstance(value, str):
        raise _error(PySparkTypeError, "NOT_STR", f"Argument `{name}` should be a str, got {type(value).__name__}.")


def window(timeColumn: ColumnOrName, windowDuration: str, slideDuration: Optional[str] = None,
           startTime: Optional[str] = None) -> Column:
    """Tumbling (or, with ``slideDuration``, sliding) event-time windows: a ``window`` struct<start, end> column."""
    _check_str(windowDuration, "windowDuration")
    args = [(timeColumn, True), (windowDuration, False)]
    if slideDuration is not None:
        _check_str(slideDuration, "slideDuration")
        args.append((slideDuration, False))
    if startTime is not None:
        _check_str(startTime, "startTime")
        if slideDuration is None:
            args.append((windowDuration, False))
        args.append((startTime, False))
    return _call_mixed("window", *args)


def window_time(windowColumn: ColumnOrName) -> Column:
    """The event time of a window: its end minus one microsecond."""
    return _call("window_time", windowColumn)


def session_window(timeColumn: ColumnOrName, gapDuration: Union[Column, str]) -> Column:
    """Session windows: rows closer than ``gapDuration`` (a duration string or a column of them) share a window."""
    if not isinstance(gapDuration, (str, Column)):
        raise _error(PySparkTypeError, "NOT_COLUMN_OR_STR",
                     f"Argument `gapDuration` should be a Column or str, got {type(gapDuration).__name__}.")
    return _call_mixed("session_window", (timeColumn, True), (gapDuration, isinstance(gapDuration, Column)))


from ember.sql.pandas.functions import PandasUDFType, pandas_udf  # noqa: E402 - re-exported as PySpark does
from ember.sql.udf import udf  # noqa: E402 - re-exported as PySpark does


# Window functions: valid only in ``.over(window)``.
def row_number() -> Column:
    return _call("row_number")


def rank() -> Column:
    return _call("rank")


def dense_rank() -> Column:
    return _call("dense_rank")


def percent_rank() -> Column:
    return _call("percent_rank")


def cume_dist() -> Column:
    return _call("cume_dist")


def ntile(n: int) -> Column:
    return Column(_native.Column.call("ntile", [_lit_jc(n)]))


def lag(col: ColumnOrName, offset: int = 1, default: Any = None) -> Column:
    return Column(_native.Column.call("lag", [_to_col_jc(col), _lit_jc(offset), _lit_jc(default)]))


def lead(col: ColumnOrName, offset: int = 1, default: Any = None) -> Column:
    return Column(_native.Column.call("lead", [_to_col_jc(col), _lit_jc(offset), _lit_jc(default)]))


def nth_value(col: ColumnOrName, offset: int, ignoreNulls: Optional[bool] = False) -> Column:
    return Column(_native.Column.call("nth_value", [_to_col_jc(col), _lit_jc(offset), _lit_jc(bool(ignoreNulls))]))
