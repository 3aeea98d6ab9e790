"""``ember.sql.functions`` wrappers of engine functions that PySpark's module names too, called as a PySpark script
calls them (columns by name, ints and strings where PySpark takes literals), compared with PySpark 4.3: same column
name, type and values."""
import pytest

from differential import compare, compare_error
from test_differential_functions import TRANSCENDENTAL, base

# Each builds one column over test_differential_functions' rows (i int, d double, s string, csv string,
# ts timestamp, day date, j string, arr array<int>, m map<string,int>).
SCALARS = {
    "nullifzero": lambda F: F.nullifzero("i"),
    "zeroifnull": lambda F: F.zeroifnull("i"),
    "equal_null": lambda F: F.equal_null("i", F.lit(1)),
    "like": lambda F: F.like("s", F.lit("%o%")),
    "like_escape": lambda F: F.like(F.concat("s", F.lit("50%")), F.lit("%50/%"), F.lit("/")),
    "ilike": lambda F: F.ilike("s", F.lit("%WORLD")),
    "regexp": lambda F: F.regexp("s", F.lit("[a-z]+")),
    "regexp_like": lambda F: F.regexp_like("s", F.lit("^H")),
    "regexp_count": lambda F: F.regexp_count("s", F.lit("o")),
    "regexp_substr": lambda F: F.regexp_substr("s", F.lit("[A-Z][a-z]+")),
    "regexp_instr": lambda F: F.regexp_instr("s", F.lit("o")),
    "regexp_instr_idx": lambda F: F.regexp_instr("s", F.lit("(W)(o)"), 2),
    "acosh": lambda F: F.acosh(F.abs("d") + 1),
    "asinh": lambda F: F.asinh("d"),
    "atanh": lambda F: F.atanh(F.lit(0.5)),
    "cosh": lambda F: F.cosh("i"),
    "sinh": lambda F: F.sinh("i"),
    "tanh": lambda F: F.tanh("d"),
    "cot": lambda F: F.cot("i"),
    "csc": lambda F: F.csc("i"),
    "sec": lambda F: F.sec("i"),
    "expm1": lambda F: F.expm1("i"),
    "factorial": lambda F: F.factorial("i"),
    "rint": lambda F: F.rint("d"),
    "e_pi": lambda F: F.e() + F.pi(),
    "conv": lambda F: F.conv(F.col("i").cast("string"), 10, 2),
    "bit_length": lambda F: F.bit_length("s"),
    "octet_length": lambda F: F.octet_length("s"),
    "char": lambda F: F.char(F.lit(65) + F.col("i")),
    "character_length": lambda F: F.character_length("s"),
    "lcase_ucase": lambda F: F.ucase(F.lcase("s")),
    "soundex": lambda F: F.soundex("s"),
    "sha": lambda F: F.sha("s"),
    "decode_encode": lambda F: F.decode(F.encode("s", "UTF-8"), "UTF-8"),
    "format_number": lambda F: F.format_number("d", 2),
    "substring_index": lambda F: F.substring_index("csv", ",", 2),
    "substring_index_negative": lambda F: F.substring_index("csv", ",", -1),
    "btrim": lambda F: F.btrim("s"),
    "btrim_chars": lambda F: F.btrim("csv", F.lit("a,")),
    "elt": lambda F: F.elt(F.lit(2), "s", "csv"),
    "find_in_set": lambda F: F.find_in_set(F.lit("b"), "csv"),
    "mask": lambda F: F.mask("s"),
    "mask_chars": lambda F: F.mask("s", F.lit("U"), F.lit("l"), F.lit("D"), F.lit("*")),
    "overlay": lambda F: F.overlay("s", F.lit("__"), 2),
    "overlay_len": lambda F: F.overlay("s", F.lit("__"), 2, 0),
    "position": lambda F: F.position(F.lit("o"), "s"),
    "position_start": lambda F: F.position(F.lit("o"), "s", F.lit(6)),
    "split_part": lambda F: F.split_part("csv", F.lit(","), F.lit(2)),
    "bit_count": lambda F: F.bit_count("i"),
    "bit_get": lambda F: F.bit_get("i", F.lit(1)),
    "getbit": lambda F: F.getbit("i", F.lit(0)),
    "shiftleft": lambda F: F.shiftleft("i", 2),
    "shiftright": lambda F: F.shiftright("i", 1),
    "shiftrightunsigned": lambda F: F.shiftrightunsigned("i", 1),
    "convert_timezone": lambda F: F.convert_timezone(F.lit("UTC"), F.lit("Asia/Tokyo"), F.col("ts")),
    "convert_timezone_session": lambda F: F.convert_timezone(None, F.lit("America/New_York"), F.col("ts")),
    "date_diff": lambda F: F.date_diff("day", F.lit("2024-01-01").cast("date")),
    "date_part": lambda F: F.date_part(F.lit("YEAR"), "ts"),
    "datepart": lambda F: F.datepart(F.lit("month"), "day"),
    "extract": lambda F: F.extract(F.lit("second"), "ts"),
    "dateadd": lambda F: F.dateadd("day", 3),
    "dateadd_column": lambda F: F.dateadd("day", "i"),
    "make_timestamp": lambda F: F.make_timestamp(F.lit(2024), F.lit(2), F.lit(29), F.lit(1), F.lit(2), "d"),
    "make_timestamp_tz": lambda F: F.make_timestamp(F.lit(2024), F.lit(1), F.lit(1), F.lit(1), F.lit(2), F.lit(3),
                                                    F.lit("Asia/Tokyo")),
    "make_timestamp_ltz": lambda F: F.make_timestamp_ltz(F.lit(2024), F.lit(1), "i", F.lit(0), F.lit(0), F.lit(0)),
    "make_timestamp_ntz": lambda F: F.make_timestamp_ntz(F.lit(2024), F.lit(1), F.lit(9), F.lit(8), F.lit(7),
                                                         F.lit(6.5)),
    "to_timestamp_ltz": lambda F: F.to_timestamp_ltz(F.lit("2024-05-06 07:08:09")),
    "to_timestamp_ltz_format": lambda F: F.to_timestamp_ltz(F.lit("06/05/2024"), F.lit("dd/MM/yyyy")),
    "to_unix_timestamp": lambda F: F.to_unix_timestamp("ts"),
    "try_to_timestamp": lambda F: F.try_to_timestamp("csv"),
    "try_to_timestamp_format": lambda F: F.try_to_timestamp(F.lit("2024|01"), F.lit("yyyy|MM")),
    "try_element_at": lambda F: F.try_element_at("arr", F.lit(5)),
    "array_sort": lambda F: F.array_sort("arr"),
    "array_append": lambda F: F.array_append("arr", 9),
    "array_prepend": lambda F: F.array_prepend("arr", 0),
    "array_insert": lambda F: F.array_insert("arr", 2, 7),
    "array_compact": lambda F: F.array_compact("arr"),
    "array_except": lambda F: F.array_except("arr", F.array(F.lit(1))),
    "array_intersect": lambda F: F.array_intersect("arr", F.array(F.lit(1), F.lit(5))),
    "array_union": lambda F: F.array_union("arr", F.array(F.lit(4))),
    "array_repeat": lambda F: F.array_repeat("s", 2),
    "array_repeat_column": lambda F: F.array_repeat("i", F.lit(2)),
    "array_size": lambda F: F.array_size("arr"),
    "arrays_overlap": lambda F: F.arrays_overlap("arr", F.array(F.lit(2))),
    "arrays_zip": lambda F: F.arrays_zip("arr", F.array(F.lit("x"))),
    "get": lambda F: F.get("arr", 1),
    "sequence": lambda F: F.sequence(F.lit(1), "i"),
    "sequence_step": lambda F: F.sequence(F.lit(10), F.lit(1), F.lit(-3)),
    "map_concat": lambda F: F.map_concat("m", F.create_map(F.lit("n"), F.lit(0))),
    "map_contains_key": lambda F: F.map_contains_key("m", "k"),
    "map_entries": lambda F: F.map_entries("m"),
    "map_from_arrays": lambda F: F.map_from_arrays(F.array(F.lit("a")), F.array("i")),
    "map_from_entries": lambda F: F.map_from_entries(F.array(F.struct(F.lit("a"), F.col("i")))),
    "str_to_map": lambda F: F.str_to_map(F.lit("a:1,b:2")),
    "str_to_map_delims": lambda F: F.str_to_map(F.lit("a=1;b=2"), F.lit(";"), F.lit("=")),
    "current_names": lambda F: F.concat_ws("/", F.current_catalog(), F.current_database(), F.current_schema()),
    "assert_true": lambda F: F.assert_true(F.lit(True)),
}

AGGREGATES = {
    "array_agg": lambda F: F.size(F.array_agg("i")),
    "bit_and": lambda F: F.bit_and("i"),
    "bit_or": lambda F: F.bit_or("i"),
    "bit_xor": lambda F: F.bit_xor("i"),
    "corr": lambda F: F.corr("i", "d"),
    "covar_pop": lambda F: F.covar_pop("i", "d"),
    "covar_samp": lambda F: F.covar_samp("i", "d"),
    "median": lambda F: F.median("d"),
    "try_avg": lambda F: F.try_avg("i"),
    "try_sum": lambda F: F.try_sum("i"),
    "regr_avgx": lambda F: F.regr_avgx("i", "d"),
    "regr_avgy": lambda F: F.regr_avgy("i", "d"),
    "regr_count": lambda F: F.regr_count("i", "d"),
    "regr_intercept": lambda F: F.regr_intercept("i", "d"),
    "regr_r2": lambda F: F.regr_r2("i", "d"),
    "regr_slope": lambda F: F.regr_slope("i", "d"),
    "regr_sxx": lambda F: F.regr_sxx("i", "d"),
    "regr_sxy": lambda F: F.regr_sxy("i", "d"),
    "regr_syy": lambda F: F.regr_syy("i", "d"),
    "first_value": lambda F: F.first_value("s"),
    "first_value_ignore_nulls": lambda F: F.first_value("i", True),
    "last_value": lambda F: F.last_value("i", ignoreNulls=True),
    "mode": lambda F: F.mode(F.abs("i") % 2),
    "mode_deterministic": lambda F: F.mode("i", True),
    "percentile": lambda F: F.percentile("i", 0.5),
    "percentile_list": lambda F: F.percentile("d", [0.25, 0.75]),
    "percentile_approx": lambda F: F.percentile_approx("i", 0.5, 100),
    "approx_percentile_list": lambda F: F.approx_percentile("d", [0.1, 0.9]),
}

APPROX = TRANSCENDENTAL | {"acosh", "asinh", "atanh", "cosh", "sinh", "tanh", "cot", "csc", "sec", "expm1",
                           "corr", "covar_pop", "covar_samp", "regr_intercept", "regr_r2", "regr_slope", "e_pi"}


@pytest.mark.parametrize("name", sorted(SCALARS))
def test_scalar_wrapper(name, spark, pyspark_session):
    compare(lambda s, F, T: base(s).select(SCALARS[name](F)), spark, pyspark_session, approx=name in APPROX)


@pytest.mark.parametrize("name", sorted(AGGREGATES))
def test_aggregate_wrapper(name, spark, pyspark_session):
    compare(lambda s, F, T: base(s).agg(AGGREGATES[name](F)), spark, pyspark_session, approx=name in APPROX)


def test_string_agg_and_listagg(spark, pyspark_session):
    compare(lambda s, F, T: base(s).agg(F.string_agg("csv", "/").alias("a")), spark, pyspark_session)
    compare(lambda s, F, T: base(s).agg(F.listagg("s").alias("a")), spark, pyspark_session)


@pytest.mark.parametrize("build", [
    lambda F: F.raise_error("boom"),
    lambda F: F.assert_true(F.col("i") > 100, "too small"),
], ids=["raise_error", "assert_true_message"])
def test_raising_functions_fail_as_pyspark_does(build, spark, pyspark_session):
    compare_error(lambda s, F, T: base(s).select(build(F)), spark, pyspark_session)


def test_argument_type_errors_match(spark, pyspark_session):
    for build in (lambda F: F.overlay("s", "s", 1.5), lambda F: F.assert_true("i", 3),
                  lambda F: F.make_timestamp(F.lit(1), date=F.lit(1))):
        compare_error(lambda s, F, T: base(s).select(build(F)), spark, pyspark_session)
