//! printSchema(). (Temporary shim on main; the cast branch replaces this file.)
use arrow::datatypes::Fields;

pub fn tree_string(fields: &Fields, _level: Option<usize>) -> String {
    let mut s = String::from("root\n");
    for f in fields {
        s.push_str(&format!(" |-- {}: {} (nullable = {})\n", f.name(), crate::types::type_name(f.data_type()), f.is_nullable()));
    }
    s
}
