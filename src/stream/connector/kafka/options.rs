//! The Kafka connector's options, checked as Spark's `KafkaSourceProvider` checks them (same order, same texts):
//! the subscription strategy, the offset limits, the rate limits and the `kafka.*` parameters handed to the client.
use crate::error::{EmberError, Result};
use crate::io::options::Options;
use crate::stream::connector::file_source::options::time_string_as_ms;
use crate::stream::connector::kafka::input_partitions::Splitting;
use crate::stream::connector::kafka::offsets::{parse_assign, PartitionOffsets, TopicPartition, EARLIEST, LATEST};

/// Which partitions the source reads.
#[derive(Clone, Debug)]
pub enum Strategy {
    Assign(Vec<TopicPartition>),
    Subscribe(Vec<String>),
    /// A Java regular expression that must match a whole topic name.
    Pattern(String),
}

/// Where a read starts or ends (Spark's `KafkaOffsetRangeLimit`).
#[derive(Clone, Debug, PartialEq)]
pub enum OffsetLimit {
    Earliest,
    Latest,
    /// Offsets per partition; -2 earliest, -1 latest.
    Specific(PartitionOffsets),
    /// The first offset at or after a timestamp (ms), per partition or for all of them.
    Timestamps(PartitionOffsets),
    GlobalTimestamp(i64),
}

/// What to do when no offset has a timestamp at or after the requested one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NoMatchStrategy {
    Error,
    Latest,
}

/// Everything a Kafka source was loaded with.
#[derive(Clone, Debug)]
pub struct SourceOptions {
    pub strategy: Strategy,
    pub client: Client,
    pub starting: OffsetLimit,
    pub ending: OffsetLimit,
    pub no_match: NoMatchStrategy,
    pub max_offsets_per_trigger: Option<i64>,
    pub min_offsets_per_trigger: Option<i64>,
    pub max_trigger_delay_ms: i64,
    pub fail_on_data_loss: bool,
    pub include_headers: bool,
    /// `minPartitions` / `maxRecordsPerPartition`: how a read is cut into input partitions.
    pub splitting: Splitting,
    /// `groupIdPrefix`: the start of the consumers' generated group id (ignored when `kafka.group.id` is set).
    pub group_id_prefix: Option<String>,
}

/// The client's settings: `kafka.*` options without the prefix, and how long a call may wait for the broker.
#[derive(Clone, Debug)]
pub struct Client {
    pub params: Vec<(String, String)>,
    pub timeout_ms: u64,
}

impl Client {
    pub fn bootstrap(&self) -> &str {
        self.params.iter().find(|(k, _)| k == "bootstrap.servers").map_or("", |(_, v)| v.as_str())
    }

    /// `kafka.group.id` given: Spark uses it as is, warns, and names it in its data-loss messages.
    pub fn custom_group_id(&self) -> bool {
        self.params.iter().any(|(k, _)| k == "group.id")
    }
}

/// ember's default for `kafkaConsumer.pollTimeoutMs`: lower than Spark's 120 s (its network timeout) so that a dead
/// broker or a wrong address fails the query within a minute.
const DEFAULT_TIMEOUT_MS: u64 = 30_000;

fn client(options: &Options) -> Result<Client> {
    let params = options
        .iter()
        .filter_map(|(k, v)| {
            let rest = k.get(6..).filter(|_| k.get(..6).is_some_and(|p| p.eq_ignore_ascii_case("kafka.")))?;
            (!rest.is_empty()).then(|| (rest.to_string(), v.to_string()))
        })
        .collect();
    let timeout_ms = match options.get("kafkaConsumer.pollTimeoutMs") {
        None => DEFAULT_TIMEOUT_MS,
        Some(v) => v.trim().parse().map_err(|_| number_error(v))?,
    };
    Ok(Client { params, timeout_ms })
}

fn number_error(v: &str) -> EmberError {
    EmberError::illegal_argument(format!("For input string: \"{v}\""))
}

fn long_option(options: &Options, key: &str) -> Result<Option<i64>> {
    options.get(key).map(|v| v.trim().parse::<i64>().map_err(|_| number_error(v))).transpose()
}

fn bool_option(options: &Options, key: &str, default: bool) -> Result<bool> {
    match options.get(key) {
        None => Ok(default),
        Some(v) if v.trim().eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.trim().eq_ignore_ascii_case("false") => Ok(false),
        Some(v) => Err(EmberError::illegal_argument(format!("For input string: \"{v}\""))),
    }
}

const STRATEGIES: [&str; 3] = ["subscribe", "subscribepattern", "assign"];

/// Spark's `validateGeneralOptions`.
fn general(options: &Options) -> Result<Strategy> {
    let given: Vec<(&str, &str)> =
        options.iter().filter(|(k, _)| STRATEGIES.iter().any(|s| k.eq_ignore_ascii_case(s))).collect();
    let names = STRATEGIES.join(", ");
    let strategy = match given.as_slice() {
        [] => {
            return Err(EmberError::illegal_argument(format!(
                "One of the following options must be specified for Kafka source: {names}. See the docs for more details."
            )))
        }
        [(k, v)] => (k.to_ascii_lowercase(), v.to_string()),
        _ => {
            return Err(EmberError::illegal_argument(format!(
                "Only one of the following options can be specified for Kafka source: {names}. See the docs for more details."
            )))
        }
    };
    let strategy = match (strategy.0.as_str(), strategy.1) {
        ("assign", v) => {
            if !v.trim().starts_with('{') {
                return Err(EmberError::illegal_argument(format!(
                    "No topicpartitions to assign as specified value for option 'assign' is '{v}'"
                )));
            }
            Strategy::Assign(parse_assign(&v)?)
        }
        ("subscribe", v) => {
            let topics: Vec<String> =
                v.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect();
            if topics.is_empty() {
                return Err(EmberError::illegal_argument(format!(
                    "No topics to subscribe to as specified value for option 'subscribe' is '{v}'"
                )));
            }
            Strategy::Subscribe(topics)
        }
        (_, v) => {
            if v.trim().is_empty() {
                return Err(EmberError::illegal_argument(format!(
                    "Pattern to subscribe is empty as specified value for option 'subscribePattern' is '{v}'"
                )));
            }
            Strategy::Pattern(v.trim().to_string())
        }
    };
    splitting(options)?;
    if options.contains("kafka.group.id") {
        eprintln!(
            "WARN KafkaSourceProvider: Kafka option 'kafka.group.id' has been set on this query, it is not \
             recommended to set this option: concurrent or restarted queries with the same group id interfere."
        );
        if options.contains("groupIdPrefix") {
            eprintln!(
                "WARN KafkaSourceProvider: Option groupIdPrefix will be ignored as option kafka.group.id has been set."
            );
        }
    }
    if options.contains("kafka.auto.offset.reset") {
        return Err(EmberError::illegal_argument(
            "\nKafka option 'auto.offset.reset' is not supported.\nInstead set the source option 'startingoffsets' to \
             'earliest' or 'latest'\nto specify where to start. Structured Streaming manages which offsets are \
             consumed\ninternally, rather than relying on the kafkaConsumer to do it. This will ensure that no\ndata \
             is missed when new topics/partitions are dynamically subscribed. Note that\n'startingoffsets' only \
             applies when a new Streaming query is started, and\nthat resuming will always pick up from where the \
             query left off. See the docs for more\ndetails.\n",
        ));
    }
    if options.contains("kafka.key.deserializer") {
        return Err(EmberError::illegal_argument(
            "Kafka option 'key.deserializer' is not supported as keys are deserialized as byte arrays with \
             ByteArrayDeserializer. Use DataFrame operations to explicitly deserialize the keys.",
        ));
    }
    if options.contains("kafka.value.deserializer") {
        return Err(EmberError::illegal_argument(
            "Kafka option 'value.deserializer' is not supported as values are deserialized as byte arrays with \
             ByteArrayDeserializer. Use DataFrame operations to explicitly deserialize the values.",
        ));
    }
    for c in ["enable.auto.commit", "interceptor.classes"] {
        if options.contains(&format!("kafka.{c}")) {
            return Err(EmberError::illegal_argument(format!("Kafka option '{c}' is not supported")));
        }
    }
    if !options.contains("kafka.bootstrap.servers") {
        return Err(EmberError::illegal_argument(
            "Option 'kafka.bootstrap.servers' must be specified for configuring Kafka consumer",
        ));
    }
    if let (Some(min), Some(max)) =
        (long_option(options, "minOffsetsPerTrigger")?, long_option(options, "maxOffsetsPerTrigger")?)
    {
        if min > max {
            return Err(EmberError::illegal_argument(format!(
                "The value of minOffsetPerTrigger({min}) is higher than the maxOffsetsPerTrigger({max})."
            )));
        }
    }
    Ok(strategy)
}

/// `minPartitions` (a Java int) and `maxRecordsPerPartition` (a long), both positive.
fn splitting(options: &Options) -> Result<Splitting> {
    let min = options.get("minPartitions").map(|v| v.trim().parse::<i32>().map_err(|_| number_error(v))).transpose()?;
    if min.is_some_and(|p| p <= 0) {
        return Err(EmberError::illegal_argument("minPartitions must be positive"));
    }
    let max = long_option(options, "maxRecordsPerPartition")?;
    if max.is_some_and(|p| p <= 0) {
        return Err(EmberError::illegal_argument("maxRecordsPerPartition must be positive"));
    }
    Ok(Splitting { min_partitions: min.map(|p| p as usize), max_records_per_partition: max })
}

/// Spark's `getKafkaOffsetRangeLimit`: a global timestamp wins over per-partition timestamps over offsets.
fn limit(options: &Options, global_ts: &str, by_ts: &str, offsets: &str, default: OffsetLimit) -> Result<OffsetLimit> {
    if let Some(v) = options.get(global_ts) {
        let v = v.trim();
        return v
            .parse()
            .map(OffsetLimit::GlobalTimestamp)
            .map_err(|_| EmberError::illegal_argument(format!("Expected a single long value, got {v}")));
    }
    if let Some(v) = options.get(by_ts) {
        return Ok(OffsetLimit::Timestamps(PartitionOffsets::parse(v)?));
    }
    Ok(match options.get(offsets).map(str::trim) {
        Some(v) if v.eq_ignore_ascii_case("latest") => OffsetLimit::Latest,
        Some(v) if v.eq_ignore_ascii_case("earliest") => OffsetLimit::Earliest,
        Some(v) => OffsetLimit::Specific(PartitionOffsets::parse(v)?),
        None => default,
    })
}

fn starting(options: &Options, default: OffsetLimit) -> Result<OffsetLimit> {
    limit(options, "startingTimestamp", "startingOffsetsByTimestamp", "startingOffsets", default)
}

fn ending(options: &Options) -> Result<OffsetLimit> {
    limit(options, "endingTimestamp", "endingOffsetsByTimestamp", "endingOffsets", OffsetLimit::Latest)
}

fn no_match(options: &Options) -> Result<NoMatchStrategy> {
    match options.get("startingOffsetsByTimestampStrategy").map(|v| v.trim().to_ascii_uppercase()) {
        None => Ok(NoMatchStrategy::Error),
        Some(v) if v == "ERROR" => Ok(NoMatchStrategy::Error),
        Some(v) if v == "LATEST" => Ok(NoMatchStrategy::Latest),
        Some(v) => Err(EmberError::illegal_argument(format!("No value found for '{v}'"))),
    }
}

fn common(options: &Options, strategy: Strategy, starting: OffsetLimit, ending: OffsetLimit) -> Result<SourceOptions> {
    // Spark's `Utils.timeStringAsMs` ("15m", "30s", "500ms"; a bare number is milliseconds), not an interval.
    let max_trigger_delay_ms = time_string_as_ms(options.get("maxTriggerDelay").unwrap_or("15m"))?;
    Ok(SourceOptions {
        strategy,
        client: client(options)?,
        starting,
        ending,
        no_match: no_match(options)?,
        max_offsets_per_trigger: long_option(options, "maxOffsetsPerTrigger")?,
        min_offsets_per_trigger: long_option(options, "minOffsetsPerTrigger")?,
        max_trigger_delay_ms,
        fail_on_data_loss: bool_option(options, "failOnDataLoss", true)?,
        include_headers: bool_option(options, "includeHeaders", false)?,
        splitting: splitting(options)?,
        group_id_prefix: options.get("groupIdPrefix").map(str::to_string),
    })
}

/// `spark.readStream.format("kafka")`: Spark's `validateStreamOptions`; the start defaults to latest.
pub fn stream_options(options: &Options) -> Result<SourceOptions> {
    if options.contains("endingOffsets") {
        return Err(EmberError::illegal_argument("ending offset not valid in streaming queries"));
    }
    if options.contains("endingOffsetsByTimestamp") {
        return Err(EmberError::illegal_argument("ending timestamp not valid in streaming queries"));
    }
    let strategy = general(options)?;
    let start = starting(options, OffsetLimit::Latest)?;
    common(options, strategy, start, OffsetLimit::Latest)
}

/// `spark.read.format("kafka")`: Spark's `validateBatchOptions`; from earliest to latest by default.
pub fn batch_options(options: &Options) -> Result<SourceOptions> {
    let start = starting(options, OffsetLimit::Earliest)?;
    match &start {
        OffsetLimit::Latest => {
            return Err(EmberError::illegal_argument("starting offset can't be latest for batch queries on Kafka"))
        }
        OffsetLimit::Specific(p) => {
            if let Some((tp, _)) = p.0.iter().find(|(_, o)| **o == LATEST) {
                return Err(EmberError::illegal_argument(format!(
                    "startingOffsets for {} can't be latest for batch queries on Kafka",
                    super::offsets::tp_name(tp)
                )));
            }
        }
        _ => {}
    }
    let end = ending(options)?;
    match &end {
        OffsetLimit::Earliest => {
            return Err(EmberError::illegal_argument("ending offset can't be earliest for batch queries on Kafka"))
        }
        OffsetLimit::Specific(p) => {
            if let Some((tp, _)) = p.0.iter().find(|(_, o)| **o == EARLIEST) {
                return Err(EmberError::illegal_argument(format!(
                    "ending offset for {} can't be earliest for batch queries on Kafka",
                    super::offsets::tp_name(tp)
                )));
            }
        }
        _ => {}
    }
    let strategy = general(options)?;
    check_limits(&start, &end)?;
    common(options, strategy, start, end)
}

/// Spark's `checkOffsetLimitValidity`: explicit start and end name the same partitions, start ≤ end.
fn check_limits(start: &OffsetLimit, end: &OffsetLimit) -> Result<()> {
    let pairs = match (start, end) {
        (OffsetLimit::Specific(s), OffsetLimit::Specific(e)) => {
            Some((s, e, "UNRESOLVED_START_OFFSET_GREATER_THAN_END_OFFSET"))
        }
        (OffsetLimit::Timestamps(s), OffsetLimit::Timestamps(e)) => {
            Some((s, e, "UNRESOLVED_START_TIMESTAMP_GREATER_THAN_END_TIMESTAMP"))
        }
        _ => None,
    };
    let Some((s, e, _)) = pairs else { return Ok(()) };
    if s.0.keys().ne(e.0.keys()) {
        return Err(EmberError::illegal_argument(format!(
            "[MISMATCHED_TOPIC_PARTITIONS_BETWEEN_START_OFFSET_AND_END_OFFSET] The specified start offset and end \
             offset should have the same topic-partitions. Topic-partitions for start offset: {}, topic-partitions \
             for end offset: {}.",
            super::offsets::tp_set(s.partitions()),
            super::offsets::tp_set(e.partitions())
        )));
    }
    for (tp, so) in &s.0 {
        let eo = e.get(tp).unwrap_or(*so);
        if *so > eo && *so >= 0 && eo >= 0 {
            return Err(EmberError::illegal_argument(format!(
                "[UNRESOLVED_START_OFFSET_GREATER_THAN_END_OFFSET] The specified start offset {so} is greater than \
                 the end offset {eo} for topic {} partition {}.",
                tp.0, tp.1
            )));
        }
    }
    Ok(())
}

/// The sink's producer settings: Spark refuses the serializer parameters.
pub fn producer_options(options: &Options) -> Result<Client> {
    if options.contains("kafka.key.serializer") {
        return Err(EmberError::illegal_argument(
            "Kafka option 'key.serializer' is not supported as keys are serialized with ByteArraySerializer.",
        ));
    }
    if options.contains("kafka.value.serializer") {
        return Err(EmberError::illegal_argument(
            "Kafka option 'value.serializer' is not supported as value are serialized with ByteArraySerializer.",
        ));
    }
    client(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pairs: &[(&str, &str)]) -> Options {
        Options::from_pairs(pairs.iter().copied())
    }

    fn err(pairs: &[(&str, &str)]) -> String {
        stream_options(&opts(pairs)).unwrap_err().message()
    }

    #[test]
    fn exactly_one_strategy_as_spark() {
        assert!(err(&[("kafka.bootstrap.servers", "h:1")]).starts_with("One of the following options must be"));
        assert!(err(&[("subscribe", "a"), ("ASSIGN", "{}")]).starts_with("Only one of the following"));
        assert_eq!(
            err(&[("subscribe", " , ")]),
            "No topics to subscribe to as specified value for option 'subscribe' is ' , '"
        );
        assert!(err(&[("assign", "t")]).contains("No topicpartitions to assign"));
        assert!(err(&[("subscribePattern", " ")]).starts_with("Pattern to subscribe is empty"));
        assert!(err(&[("subscribe", "a")]).contains("'kafka.bootstrap.servers' must be specified"));
    }

    #[test]
    fn unsupported_client_parameters_are_refused() {
        let base = [("subscribe", "a"), ("kafka.bootstrap.servers", "h:1")];
        let with = |k: &str| {
            let mut p = base.to_vec();
            p.push((k, "x"));
            err(&p)
        };
        assert!(with("kafka.auto.offset.reset").contains("Kafka option 'auto.offset.reset' is not supported."));
        assert!(with("kafka.value.deserializer").contains("'value.deserializer' is not supported as values"));
        assert_eq!(with("kafka.enable.auto.commit"), "Kafka option 'enable.auto.commit' is not supported");
        assert_eq!(with("endingOffsets"), "ending offset not valid in streaming queries");
    }

    #[test]
    fn offsets_and_limits_parse() {
        let o = stream_options(&opts(&[
            ("subscribe", "a,b"),
            ("kafka.bootstrap.servers", "h:1"),
            ("kafka.security.protocol", "SSL"),
            ("startingOffsets", r#"{"a":{"0":-2}}"#),
            ("maxOffsetsPerTrigger", "10"),
        ]))
        .unwrap();
        assert!(matches!(o.strategy, Strategy::Subscribe(ref t) if t == &["a", "b"]));
        assert!(matches!(o.starting, OffsetLimit::Specific(_)));
        assert_eq!(o.max_offsets_per_trigger, Some(10));
        assert_eq!(o.max_trigger_delay_ms, 15 * 60 * 1000);
        assert_eq!(o.client.bootstrap(), "h:1");
        assert!(o.client.params.contains(&("security.protocol".into(), "SSL".into())));
        let b = [("subscribe", "a"), ("kafka.bootstrap.servers", "h:1")];
        let batch = |extra: (&str, &str)| {
            let mut p = b.to_vec();
            p.push(extra);
            batch_options(&opts(&p)).map(|_| ()).unwrap_err().message()
        };
        assert_eq!(batch(("startingOffsets", "latest")), "starting offset can't be latest for batch queries on Kafka");
        assert_eq!(batch(("endingOffsets", "earliest")), "ending offset can't be earliest for batch queries on Kafka");
        assert!(matches!(batch_options(&opts(&b)).unwrap().starting, OffsetLimit::Earliest));
        let e = stream_options(&opts(&[
            ("subscribe", "a"),
            ("kafka.bootstrap.servers", "h:1"),
            ("minOffsetsPerTrigger", "5"),
            ("maxOffsetsPerTrigger", "2"),
        ]))
        .unwrap_err();
        assert_eq!(e.message(), "The value of minOffsetPerTrigger(5) is higher than the maxOffsetsPerTrigger(2).");
    }

    #[test]
    fn splitting_and_trigger_delay_parse_as_spark() {
        let base = [("subscribe", "a"), ("kafka.bootstrap.servers", "h:1")];
        let with = |extra: &[(&str, &str)]| {
            let mut p = base.to_vec();
            p.extend_from_slice(extra);
            stream_options(&opts(&p))
        };
        let o = with(&[("minPartitions", "4"), ("maxRecordsPerPartition", "100"), ("maxTriggerDelay", "5s")]).unwrap();
        assert_eq!(o.splitting, Splitting { min_partitions: Some(4), max_records_per_partition: Some(100) });
        assert_eq!(o.max_trigger_delay_ms, 5000);
        assert_eq!(with(&[("maxTriggerDelay", "250")]).unwrap().max_trigger_delay_ms, 250);
        assert!(with(&[("maxTriggerDelay", "5 seconds")]).is_err());
        assert_eq!(with(&[("minPartitions", "x")]).unwrap_err().message(), "For input string: \"x\"");
        assert_eq!(with(&[("minPartitions", "3000000000")]).unwrap_err().message(), "For input string: \"3000000000\"");
        let e = with(&[("maxRecordsPerPartition", "0")]).unwrap_err();
        assert_eq!(e.message(), "maxRecordsPerPartition must be positive");
        assert_eq!(with(&[("groupIdPrefix", "p")]).unwrap().group_id_prefix.as_deref(), Some("p"));
    }
}
