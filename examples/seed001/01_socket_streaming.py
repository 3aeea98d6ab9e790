from ember.sql import SparkSession
from ember.sql.functions import explode, split

spark = SparkSession.builder.appName("WordCount").getOrCreate()

# Read from socket
lines = spark.readStream \
    .format("socket") \
    .option("host", "localhost") \
    .option("port", 9999) \
    .load()

# Count words
words = lines.select(explode(split("value", " ")).alias("word"))
word_counts = words.groupBy("word").count()

# Write to console
query = word_counts.writeStream \
    .outputMode("complete") \
    .format("console") \
    .start()

query.awaitTermination()
