//! Spark DDL strings (`"id INT, s STRUCT<a: INT>"`) to Arrow fields. (Being written.)
