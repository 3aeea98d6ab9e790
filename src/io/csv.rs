//! CSV: Spark's reader (tokenizer, schema inference, parse modes) and writer.
pub mod values;
