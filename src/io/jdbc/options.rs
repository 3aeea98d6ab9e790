//! The JDBC data source's options, checked as Spark's `JDBCOptions` checks them (same option names, same texts).
use crate::error::{EmberError, Result};
use crate::io::options::Options;

/// What to read: a table (or a parenthesised table expression) or a query, as `dbtable` / `query` give it.
#[derive(Debug, Clone, PartialEq)]
pub enum Relation {
    Table(String),
    Query(String),
}

impl Relation {
    /// The text that goes after `FROM`: a query becomes an aliased subquery, as Spark wraps it.
    pub fn from_clause(&self) -> String {
        match self {
            Relation::Table(t) => t.clone(),
            Relation::Query(q) => format!("({q}) SPARK_GEN_SUBQ_0"),
        }
    }
}

/// `partitionColumn`, `lowerBound`, `upperBound`, `numPartitions` for a partitioned read.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnPartitioning {
    pub column: String,
    pub lower: i64,
    pub upper: i64,
    pub num_partitions: i64,
}

/// The options every JDBC read and write shares, plus the ones of each direction.
#[derive(Debug, Clone)]
pub struct JdbcOptions {
    pub url: String,
    pub relation: Relation,
    /// Connection properties: every option that is not one of the data source's own (`user`, `password`, …).
    pub properties: Vec<(String, String)>,
    pub num_partitions: Option<i64>,
    pub fetch_size: i64,
    pub session_init_statement: Option<String>,
    pub partitioning: Option<ColumnPartitioning>,
    pub truncate: bool,
    pub create_table_options: String,
    pub create_table_column_types: Option<String>,
    pub batch_size: i64,
    pub isolation_level: IsolationLevel,
    /// `driver`: the JDBC driver class the user named (checked against the URL's database).
    pub driver: Option<String>,
    /// `queryTimeout` in seconds (0: none).
    pub query_timeout: i64,
}

/// `isolationLevel`: the transaction a write runs in (`NONE`: no transaction, each statement on its own).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum IsolationLevel {
    None,
    ReadUncommitted,
    ReadCommitted,
    RepeatableRead,
    Serializable,
}

impl IsolationLevel {
    pub fn sql(self) -> Option<&'static str> {
        match self {
            IsolationLevel::None => None,
            IsolationLevel::ReadUncommitted => Some("READ UNCOMMITTED"),
            IsolationLevel::ReadCommitted => Some("READ COMMITTED"),
            IsolationLevel::RepeatableRead => Some("REPEATABLE READ"),
            IsolationLevel::Serializable => Some("SERIALIZABLE"),
        }
    }
}

/// The data source's own option names (lower case); everything else is passed to the database as a property.
const OWN_OPTIONS: &[&str] = &[
    "url",
    "dbtable",
    "query",
    "driver",
    "partitioncolumn",
    "lowerbound",
    "upperbound",
    "numpartitions",
    "querytimeout",
    "fetchsize",
    "truncate",
    "createtableoptions",
    "createtablecolumntypes",
    "customschema",
    "batchsize",
    "isolationlevel",
    "sessioninitstatement",
    "pushdownpredicate",
    "pushdownaggregate",
    "pushdownlimit",
    "pushdownoffset",
    "pushdowntablesample",
    "keytab",
    "principal",
    "tablecomment",
    "refreshkrb5config",
    "connectionprovider",
    "preparequery",
    "prefertimestampntz",
    "cascadetruncate",
    "path",
];

/// Spark's `require(cond, msg)`: an IllegalArgumentException reading `requirement failed: msg`.
fn require(cond: bool, msg: impl FnOnce() -> String) -> Result<()> {
    if cond {
        Ok(())
    } else {
        Err(EmberError::illegal_argument(format!("requirement failed: {}", msg())))
    }
}

fn int_option(opts: &Options, key: &str) -> Result<Option<i64>> {
    match opts.get(key) {
        None => Ok(None),
        Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| {
            EmberError::illegal_argument(format!("For input string: \"{v}\" (option `{key}` must be a number)"))
        }),
    }
}

impl JdbcOptions {
    /// Parse and check the options of a read (`for_write` false) or a write.
    pub fn parse(opts: &Options, for_write: bool) -> Result<Self> {
        require(opts.contains("url"), || "Option 'url' is required.".into())?;
        let url = opts.get("url").unwrap_or_default().to_string();
        let table = opts.get("dbtable");
        let query = opts.get("query");
        if for_write {
            require(table.is_some(), || "Option 'dbtable' is required.".into())?;
        } else {
            require(table.is_some() || query.is_some(), || "Option 'dbtable' or 'query' is required.".into())?;
        }
        require(!(table.is_some() && query.is_some()), || "Both 'dbtable' and 'query' can not be specified.".into())?;
        let relation = match (table, query) {
            (Some(t), _) => Relation::Table(t.trim().to_string()),
            (None, Some(q)) => Relation::Query(q.to_string()),
            (None, None) => unreachable!("checked above"),
        };
        let empty = match &relation {
            Relation::Table(t) => t.is_empty(),
            Relation::Query(q) => q.is_empty(),
        };
        require(!empty, || "Empty string is not allowed in either 'dbtable' or 'query' options".into())?;

        let num_partitions = int_option(opts, "numPartitions")?;
        let column = opts.get("partitionColumn").map(str::to_string);
        let lower = int_option(opts, "lowerBound")?;
        let upper = int_option(opts, "upperBound")?;
        require(
            (column.is_none() && lower.is_none() && upper.is_none())
                || (column.is_some() && lower.is_some() && upper.is_some() && num_partitions.is_some()),
            || {
                "When reading JDBC data sources, users need to specify all or none for the following options: \
                 'partitionColumn', 'lowerBound', 'upperBound', and 'numPartitions'"
                    .into()
            },
        )?;
        require(!(matches!(relation, Relation::Query(_)) && column.is_some()), || {
            "\nOptions 'query' and 'partitionColumn' can not be specified together.\n\
             Please define the query using `dbtable` option instead and make sure to qualify\n\
             the partition columns using the supplied subquery alias to resolve any ambiguity.\n\
             Example :\n\
             spark.read.format(\"jdbc\")\n        .option(\"url\", jdbcUrl)\n        \
             .option(\"dbtable\", \"(select c1, c2 from t1) as subq\")\n        \
             .option(\"partitionColumn\", \"c1\")\n        .option(\"lowerBound\", \"1\")\n        \
             .option(\"upperBound\", \"100\")\n        .option(\"numPartitions\", \"3\")\n        .load()\n     "
                .into()
        })?;
        let partitioning = match (column, lower, upper, num_partitions) {
            (Some(column), Some(lower), Some(upper), Some(num_partitions)) => {
                Some(ColumnPartitioning { column, lower, upper, num_partitions })
            }
            _ => None,
        };

        let fetch_size = int_option(opts, "fetchsize")?.unwrap_or(0);
        require(fetch_size >= 0, || {
            format!(
                "Invalid value `{fetch_size}` for parameter `fetchsize`. The minimum value is 0. When the value is 0, \
                 the JDBC driver ignores the value and does the estimates."
            )
        })?;
        let batch_size = int_option(opts, "batchsize")?.unwrap_or(1000);
        require(batch_size >= 1, || {
            format!("Invalid value `{batch_size}` for parameter `batchsize`. The minimum value is 1.")
        })?;
        if for_write {
            if let Some(n) = num_partitions {
                require(n >= 1, || {
                    format!(
                        "Invalid value `{n}` for parameter `numPartitions` in table writing via JDBC. The minimum \
                         value is 1."
                    )
                })?;
            }
        }
        let query_timeout = int_option(opts, "queryTimeout")?.unwrap_or(0);
        require(query_timeout >= 0, || {
            format!("Invalid value `{query_timeout}` for parameter `queryTimeout`. The minimum value is 0.")
        })?;
        if opts.contains("customSchema") {
            return Err(EmberError::not_implemented(
                "The JDBC option `customSchema` is not supported by ember; cast the columns after reading instead."
                    .to_string(),
            ));
        }
        let isolation_level = match opts.get("isolationLevel").unwrap_or("READ_UNCOMMITTED") {
            "NONE" => IsolationLevel::None,
            "READ_UNCOMMITTED" => IsolationLevel::ReadUncommitted,
            "READ_COMMITTED" => IsolationLevel::ReadCommitted,
            "REPEATABLE_READ" => IsolationLevel::RepeatableRead,
            "SERIALIZABLE" => IsolationLevel::Serializable,
            other => {
                return Err(EmberError::illegal_argument(format!(
                    "Invalid value `{other}` for parameter `isolationLevel`. Valid values are NONE, \
                     READ_UNCOMMITTED, READ_COMMITTED, REPEATABLE_READ and SERIALIZABLE."
                )))
            }
        };
        let properties = opts
            .iter()
            .filter(|(k, _)| !OWN_OPTIONS.contains(&k.to_ascii_lowercase().as_str()))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Ok(JdbcOptions {
            url,
            relation,
            properties,
            num_partitions,
            fetch_size,
            session_init_statement: opts.get("sessionInitStatement").map(str::to_string),
            partitioning,
            truncate: opts.get_bool("truncate", false)?,
            create_table_options: opts.get("createTableOptions").unwrap_or_default().to_string(),
            create_table_column_types: opts.get("createTableColumnTypes").map(str::to_string),
            batch_size,
            isolation_level,
            driver: opts.get("driver").map(str::to_string),
            query_timeout,
        })
    }

    /// The table a write goes to.
    pub fn table(&self) -> &str {
        match &self.relation {
            Relation::Table(t) => t,
            Relation::Query(q) => q,
        }
    }

    /// A connection property, by case-insensitive name.
    pub fn property(&self, key: &str) -> Option<&str> {
        self.properties.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pairs: &[(&str, &str)]) -> Options {
        Options::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn url_and_table_are_required_with_sparks_texts() {
        let e = JdbcOptions::parse(&opts(&[("dbtable", "t")]), false).unwrap_err();
        assert_eq!(e.message_str(), "requirement failed: Option 'url' is required.");
        let e = JdbcOptions::parse(&opts(&[("url", "jdbc:sqlite:x")]), false).unwrap_err();
        assert_eq!(e.message_str(), "requirement failed: Option 'dbtable' or 'query' is required.");
        let e = JdbcOptions::parse(&opts(&[("url", "jdbc:sqlite:x"), ("query", "select 1")]), true).unwrap_err();
        assert_eq!(e.message_str(), "requirement failed: Option 'dbtable' is required.");
        let e = JdbcOptions::parse(&opts(&[("url", "u"), ("dbtable", "t"), ("query", "q")]), false).unwrap_err();
        assert_eq!(e.message_str(), "requirement failed: Both 'dbtable' and 'query' can not be specified.");
    }

    #[test]
    fn properties_are_the_options_that_are_not_the_sources_own() {
        let o =
            JdbcOptions::parse(&opts(&[("url", "u"), ("dbtable", "t"), ("User", "me"), ("fetchsize", "10")]), false)
                .unwrap();
        assert_eq!(o.properties, vec![("User".to_string(), "me".to_string())]);
        assert_eq!(o.property("user"), Some("me"));
        assert_eq!(o.fetch_size, 10);
    }
}
