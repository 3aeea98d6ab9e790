from ember.sql.types import IntegerType, StringType, StructType

schema = StructType() \
    .add("timestamp", StringType()) \
    .add("user_id", IntegerType()) \
    .add("event", StringType())
