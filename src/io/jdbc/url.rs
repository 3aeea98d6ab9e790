//! JDBC URLs: `jdbc:postgresql://host[:port]/db?user=…&password=…` and `jdbc:sqlite:path`; any other is refused
//! with an error naming what is supported.
use crate::error::{EmberError, Result};

/// Where a JDBC URL points.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Postgres(PostgresUrl),
    Sqlite(String),
}

/// The parts of a PostgreSQL URL; properties from the URL's query string and from the options are merged
/// (an option wins, as the JDBC driver's `Properties` argument does over its URL).
#[derive(Debug, Clone, PartialEq)]
pub struct PostgresUrl {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub properties: Vec<(String, String)>,
}

impl PostgresUrl {
    pub fn property(&self, key: &str) -> Option<&str> {
        self.properties.iter().rev().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
    }
}

fn unsupported(url: &str) -> EmberError {
    EmberError::illegal_argument(format!(
        "No suitable driver for JDBC URL '{url}': ember connects to PostgreSQL \
         (jdbc:postgresql://host[:port]/database) and SQLite (jdbc:sqlite:path) only."
    ))
}

/// `%xx` escapes in a URL's query values.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Check a `driver` option against the URL's database: ember has the PostgreSQL and SQLite drivers built in, under
/// their JDBC class names.
pub fn check_driver(target: &Target, driver: Option<&str>) -> Result<()> {
    let Some(driver) = driver else { return Ok(()) };
    let expected = match target {
        Target::Postgres(_) => "org.postgresql.Driver",
        Target::Sqlite(_) => "org.sqlite.JDBC",
    };
    if driver == expected {
        Ok(())
    } else {
        Err(EmberError::illegal_argument(format!(
            "JDBC driver class '{driver}' is not available: ember has org.postgresql.Driver for jdbc:postgresql: \
             URLs and org.sqlite.JDBC for jdbc:sqlite: URLs built in."
        )))
    }
}

/// Parse `url`, adding `properties` (the options that are not the data source's own) after the URL's own.
pub fn parse(url: &str, properties: &[(String, String)]) -> Result<Target> {
    if let Some(path) = url.strip_prefix("jdbc:sqlite:") {
        if path.is_empty() {
            return Err(EmberError::illegal_argument(format!("JDBC URL '{url}' names no SQLite database file.")));
        }
        return Ok(Target::Sqlite(path.to_string()));
    }
    let Some(rest) = url.strip_prefix("jdbc:postgresql:") else {
        return Err(unsupported(url));
    };
    let (location, query) = match rest.split_once('?') {
        Some((l, q)) => (l, Some(q)),
        None => (rest, None),
    };
    let (host, port, database) = if let Some(hp_db) = location.strip_prefix("//") {
        let (hp, db) = hp_db.split_once('/').unwrap_or((hp_db, ""));
        let (host, port) = if let Some(v6) = hp.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or_else(|| unsupported(url))?;
            (h.to_string(), after.strip_prefix(':').unwrap_or(""))
        } else {
            match hp.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), p),
                None => (hp.to_string(), ""),
            }
        };
        let port = if port.is_empty() {
            5432
        } else {
            port.parse::<u16>().map_err(|_| {
                EmberError::illegal_argument(format!("Invalid port number '{port}' in JDBC URL '{url}'."))
            })?
        };
        let host = if host.is_empty() { "localhost".to_string() } else { host };
        (host, port, db.to_string())
    } else {
        // `jdbc:postgresql:db` (and `jdbc:postgresql:` for the default database) mean localhost:5432.
        ("localhost".to_string(), 5432, location.to_string())
    };
    let mut props: Vec<(String, String)> = Vec::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        props.push((percent_decode(k), percent_decode(v)));
    }
    props.extend(properties.iter().cloned());
    Ok(Target::Postgres(PostgresUrl { host, port, database: percent_decode(&database), properties: props }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_urls_with_and_without_port_and_properties() {
        let Target::Postgres(u) = parse("jdbc:postgresql://localhost/db", &[]).unwrap() else { panic!() };
        assert_eq!((u.host.as_str(), u.port, u.database.as_str()), ("localhost", 5432, "db"));
        let opts = vec![("password".to_string(), "p2".to_string())];
        let Target::Postgres(u) = parse("jdbc:postgresql://h:6000/d?user=me&password=p%40", &opts).unwrap() else {
            panic!()
        };
        assert_eq!((u.host.as_str(), u.port), ("h", 6000));
        assert_eq!(u.property("user"), Some("me"));
        assert_eq!(u.property("password"), Some("p2"));
    }

    #[test]
    fn sqlite_and_unsupported_urls() {
        assert_eq!(parse("jdbc:sqlite:/tmp/x.db", &[]).unwrap(), Target::Sqlite("/tmp/x.db".into()));
        let e = parse("jdbc:mysql://h/db", &[]).unwrap_err();
        assert!(e.message_str().contains("PostgreSQL"), "{}", e.message_str());
    }
}
