"""Message templates of the PySpark error classes ember raises from Python (`<param>` placeholders)."""

MESSAGES = {
    "ARGUMENT_REQUIRED": "Argument `<arg_name>` is required when <condition>.",
    "ATTRIBUTE_NOT_SUPPORTED": "Attribute `<attr_name>` is not supported.",
    "CANNOT_CONVERT_TYPE": "Cannot convert <from_type> into <to_type>.",
    "CANNOT_INFER_SCHEMA_FOR_TYPE": "Can not infer schema for type: `<data_type>`.",
    "CANNOT_INFER_TYPE_FOR_FIELD": "Unable to infer the type of the field `<field_name>`.",
    "CANNOT_MERGE_TYPE": "Can not merge type `<data_type1>` and `<data_type2>`.",
    "CANNOT_PARSE_DATATYPE": "Unable to parse datatype. <msg>.",
    "CANNOT_SET_TOGETHER": "<arg_list> should not be set together.",
    "FIELD_DATA_TYPE_UNACCEPTABLE": "<data_type> can not accept object <obj> in type <obj_type>.",
    "FIELD_DATA_TYPE_UNACCEPTABLE_WITH_NAME": (
        "<field_name>: <data_type> can not accept object <obj> in type <obj_type>."
    ),
    "FIELD_NOT_NULLABLE": "Field is not nullable, but got None.",
    "FIELD_NOT_NULLABLE_WITH_NAME": "<field_name>: This field is not nullable, but got None.",
    "FIELD_STRUCT_LENGTH_MISMATCH": (
        "Length of object (<object_length>) does not match with length of fields (<field_length>)."
    ),
    "FIELD_STRUCT_LENGTH_MISMATCH_WITH_NAME": (
        "<field_name>: Length of object (<object_length>) does not match with length of fields (<field_length>)."
    ),
    "FIELD_TYPE_MISMATCH": "<obj> is not an instance of type <data_type>.",
    "FIELD_TYPE_MISMATCH_WITH_NAME": "<field_name>: <obj> is not an instance of type <data_type>.",
    "INDEX_OUT_OF_RANGE": "<arg_name> index out of range, got '<index>'.",
    "INVALID_INTERVAL_CASTING": "Interval <start_field> to <end_field> is invalid.",
    "INVALID_TYPENAME_CALL": "StructField does not have typeName. Use typeName on its type explicitly instead.",
    "KEY_NOT_EXISTS": "Key `<key>` does not exist.",
    "NOT_EXPECTED_TYPE": "Argument `<arg_name>` should be <expected_type>, got <arg_type>.",
    "NOT_IMPLEMENTED": "<feature> is not implemented.",
    "READ_ONLY": "<object> is read-only.",
    "TOO_MANY_VALUES": "Expected <expected> values for `<item>`, got <actual>.",
    "UNEXPECTED_TUPLE_WITH_STRUCT": "Unexpected tuple <tuple> with StructType.",
    "UNSUPPORTED_DATA_TYPE": "Unsupported DataType `<data_type>`.",
    "VALUE_OUT_OF_BOUNDS": (
        "Value for `<arg_name>` must be between <lower_bound> and <upper_bound> (inclusive), got <actual>"
    ),
}
