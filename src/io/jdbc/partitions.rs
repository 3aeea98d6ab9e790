//! A partitioned read's WHERE clauses: Spark's column strides (`JDBCRelation.columnPartition`) or the user's
//! `predicates`, one partition each.
use crate::error::{EmberError, Result};
use crate::io::jdbc::options::ColumnPartitioning;

/// The WHERE clause of each partition; `[None]` reads everything in one partition.
pub fn column_partitions(p: &ColumnPartitioning) -> Result<Vec<Option<String>>> {
    if p.num_partitions <= 1 || p.lower == p.upper {
        return Ok(vec![None]);
    }
    if p.lower > p.upper {
        return Err(EmberError::illegal_argument(format!(
            "requirement failed: Operation not allowed: the lower bound of partitioning column is larger than the \
             upper bound. Lower bound: {}; Upper bound: {}",
            p.lower, p.upper
        )));
    }
    // Spark lowers the count to the range's width when there are fewer values than partitions.
    let width = (p.upper as i128) - (p.lower as i128);
    let n = if width >= p.num_partitions as i128 { p.num_partitions } else { width as i64 };
    // Spark's stride: each bound divided first, so it cannot overflow.
    let stride = p.upper / n - p.lower / n;
    let column = &p.column;
    let mut out = Vec::with_capacity(n as usize);
    let mut current = p.lower;
    for i in 0..n {
        let lower = (i != 0).then(|| format!("{column} >= {current}"));
        current = current.wrapping_add(stride);
        let upper = (i != n - 1).then(|| format!("{column} < {current}"));
        out.push(Some(match (lower, upper) {
            (None, Some(u)) => format!("{u} or {column} is null"),
            (Some(l), None) => l,
            (Some(l), Some(u)) => format!("{l} AND {u}"),
            (None, None) => unreachable!("n >= 2"),
        }));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(lower: i64, upper: i64, n: i64) -> Vec<Option<String>> {
        column_partitions(&ColumnPartitioning { column: "id".into(), lower, upper, num_partitions: n }).unwrap()
    }

    #[test]
    fn strides_as_spark_computes_them() {
        assert_eq!(
            parts(0, 100, 3),
            vec![
                Some("id < 33 or id is null".to_string()),
                Some("id >= 33 AND id < 66".to_string()),
                Some("id >= 66".to_string())
            ]
        );
        assert_eq!(parts(1, 5, 10).len(), 4);
        assert_eq!(parts(5, 5, 4), vec![None]);
        assert!(column_partitions(&ColumnPartitioning { column: "id".into(), lower: 9, upper: 1, num_partitions: 2 })
            .is_err());
    }
}
