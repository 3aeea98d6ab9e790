"""spark.sql over temp views, against PySpark (skipped when PySpark is not installed)."""
import pytest

from differential import compare, compare_error

QUERIES = {
    "projection": "SELECT id, name, age + 1 AS next_age FROM people",
    "where": "SELECT * FROM people WHERE age > 30 AND city = 'NY'",
    "group_having": "SELECT city, count(*) AS n, avg(age) FROM people GROUP BY city HAVING count(*) >= 1",
    "group_by_ordinal": "SELECT city, max(age) FROM people GROUP BY 1",
    "order_limit": "SELECT name, age FROM people ORDER BY age DESC NULLS LAST, name LIMIT 3",
    "order_by_hidden_column": "SELECT name FROM people ORDER BY age",
    "join": "SELECT p.name, o.total FROM people p JOIN orders o ON p.id = o.person_id",
    "left_join_using": "SELECT * FROM people LEFT JOIN (SELECT person_id AS id, total FROM orders) USING (id)",
    "union": "SELECT id FROM people UNION SELECT person_id FROM orders",
    "union_all": "SELECT id FROM people UNION ALL SELECT person_id FROM orders",
    "subquery": "SELECT t.city, t.n FROM (SELECT city, count(*) AS n FROM people GROUP BY city) t WHERE t.n > 1",
    "no_from": "SELECT 1, 'x', 1.5, NULL, true",
    "case_in_between": "SELECT name, CASE WHEN age BETWEEN 30 AND 40 THEN 'thirties' ELSE 'other' END AS band, id IN (1, 2) FROM people",
    "functions": "SELECT upper(name), length(name), coalesce(city, 'none'), CAST(age AS STRING) FROM people",
    "distinct": "SELECT DISTINCT city FROM people",
    "intersect_except": "SELECT id FROM people EXCEPT SELECT person_id FROM orders",
    "interval": "SELECT TIMESTAMP '2024-01-01 00:00:00' + INTERVAL '10' MINUTE AS t",
    # Spark's parser balances unparenthesized AND/OR chains; the generated names show the tree.
    "or_and_chains": "SELECT age = 1 OR age = 2 OR age = 3 OR age = 4 OR age = 5, "
                     "true AND id > 1 AND id > 2 AND id < 9 AND true, (id = 1 OR id = 2) OR id = 3 OR id = 4 "
                     "FROM people",
}
ORDERED = {"order_limit", "order_by_hidden_column"}


def setup(s):
    s.createDataFrame([(1, "Alice", 34, "NY"), (2, "Bob", None, "SF"), (3, "Carol", 29, None), (4, "Dan", 41, "NY")],
                      "id int, name string, age int, city string").createOrReplaceTempView("people")
    s.createDataFrame([(1, 1, 9.99), (2, 1, 5.0), (3, 3, 12.5), (4, 5, 1.0)],
                      "order_id int, person_id int, total double").createOrReplaceTempView("orders")
    return s


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_sql_matches_pyspark(name, spark, pyspark_session):
    compare(lambda s, F, T: setup(s).sql(QUERIES[name]), spark, pyspark_session, ordered=name in ORDERED)


@pytest.mark.parametrize("query", ["SELECT nope FROM people", "SELECT * FROM missing_table", "SELEC 1", "SELECT name, count(*) FROM people"])
def test_sql_errors_match(query, spark, pyspark_session):
    compare_error(lambda s, F, T: setup(s).sql(query), spark, pyspark_session)
