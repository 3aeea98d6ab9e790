//! Spark's schema JSON (`StructType.json()`) to and from Arrow. (Being written.)
