"""A pandas DataFrame as one Arrow record batch, whatever pandas backs its columns with."""


def batch_from_pandas(frame):
    """``pa.RecordBatch.from_pandas`` fails on columns pandas keeps as chunked Arrow arrays (pandas 3's default
    string dtype); going through a Table and combining its chunks takes every kind of column."""
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=False).combine_chunks()
    batches = table.to_batches()
    if batches:
        return batches[0]
    return pa.RecordBatch.from_arrays([pa.array([], type=f.type) for f in table.schema], schema=table.schema)
