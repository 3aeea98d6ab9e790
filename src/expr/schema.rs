//! A plan's output columns: Arrow fields plus Spark's attribute identity (id and qualifier) per column.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use arrow::datatypes::{Field, Fields, Schema, SchemaRef};

/// Identity of one output column: `df["a"]` binds to the id; `alias("t")` sets the qualifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attr {
    pub id: u64,
    pub qualifier: Option<String>,
    /// `withWatermark` delay when this column is a streaming event time (Spark's `spark.watermarkDelayMs` metadata);
    /// also set on a `window` column computed from such a column.
    pub watermark_delay_ms: Option<i64>,
}

impl Attr {
    /// A new column identity.
    pub fn fresh() -> Attr {
        Attr { id: next_attr_id(), qualifier: None, watermark_delay_ms: None }
    }
}

/// A fresh attribute id, unique in the process.
pub fn next_attr_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Output columns of a plan node.
#[derive(Clone, Debug)]
pub struct PlanSchema {
    pub fields: Fields,
    pub attrs: Vec<Attr>,
}

impl PlanSchema {
    /// New columns with fresh ids.
    pub fn fresh(fields: Fields) -> PlanSchema {
        let attrs = fields.iter().map(|_| Attr::fresh()).collect();
        PlanSchema { fields, attrs }
    }
    pub fn arrow_schema(&self) -> SchemaRef {
        Arc::new(Schema::new(self.fields.clone()))
    }
    pub fn len(&self) -> usize {
        self.fields.len()
    }
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
    pub fn names(&self) -> Vec<String> {
        self.fields.iter().map(|f| f.name().clone()).collect()
    }
    /// The same columns under a new qualifier (`df.alias("t")`).
    pub fn with_qualifier(&self, q: &str) -> PlanSchema {
        PlanSchema {
            fields: self.fields.clone(),
            attrs: self.attrs.iter().map(|a| Attr { qualifier: Some(q.to_string()), ..a.clone() }).collect(),
        }
    }
    /// Concatenate two schemas (join output).
    pub fn join(&self, other: &PlanSchema) -> PlanSchema {
        let mut fields: Vec<Arc<Field>> = self.fields.iter().cloned().collect();
        fields.extend(other.fields.iter().cloned());
        let mut attrs = self.attrs.clone();
        attrs.extend(other.attrs.iter().cloned());
        PlanSchema { fields: fields.into(), attrs }
    }
    /// Same columns, each marked nullable (outer join sides).
    pub fn nullable(&self) -> PlanSchema {
        PlanSchema {
            fields: self.fields.iter().map(|f| Arc::new(f.as_ref().clone().with_nullable(true))).collect(),
            attrs: self.attrs.clone(),
        }
    }
}
