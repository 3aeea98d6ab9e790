//! All-null arrays for the columns a scan does not read (column pruning): every primitive and string one is a view
//! of one shared zeroed buffer, so a pruned column costs no allocation or zeroing per batch.
use std::sync::Mutex;

use arrow::array::{make_array, new_null_array, ArrayData, ArrayRef};
use arrow::buffer::{Buffer, MutableBuffer};
use arrow::datatypes::DataType;

/// Zeroed bytes shared by every pruned column; replaced by a larger one when a column needs more.
static ZEROS: Mutex<Option<Buffer>> = Mutex::new(None);

/// A zeroed buffer of at least `len` bytes (a slice of the shared one; aligned, as it starts at its start).
fn zeros(len: usize) -> Buffer {
    let mut shared = ZEROS.lock().unwrap_or_else(|e| e.into_inner());
    match &*shared {
        Some(b) if b.len() >= len => b.slice_with_length(0, len),
        _ => {
            let b = Buffer::from(MutableBuffer::from_len_zeroed(len.max(1 << 16)));
            *shared = Some(b.clone());
            b.slice_with_length(0, len)
        }
    }
}

/// `len` nulls of type `dt`: the same array `arrow::array::new_null_array` gives, sharing zeroed memory for
/// fixed-width and string/binary types (the others are built by arrow).
pub fn null_array(dt: &DataType, len: usize) -> ArrayRef {
    let bitmap = len.div_ceil(8);
    let values = match (dt.primitive_width(), dt) {
        (Some(width), _) => vec![zeros(width * len)],
        (None, DataType::Boolean) => vec![zeros(bitmap)],
        (None, DataType::Utf8 | DataType::Binary) => vec![zeros((len + 1) * 4), Buffer::from_vec(Vec::<u8>::new())],
        _ => return new_null_array(dt, len),
    };
    let data =
        ArrayData::builder(dt.clone()).len(len).null_count(len).null_bit_buffer(Some(zeros(bitmap))).buffers(values);
    // SAFETY: the buffers have the lengths arrow's own null arrays have (all zero: every offset 0, every slot null).
    make_array(unsafe { data.build_unchecked() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::datatypes::{Field, TimeUnit};

    #[test]
    fn equals_arrows_null_array_for_every_kind() {
        let types = [
            DataType::Int32,
            DataType::Int64,
            DataType::Float64,
            DataType::Boolean,
            DataType::Utf8,
            DataType::Binary,
            DataType::Date32,
            DataType::Decimal128(10, 2),
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            DataType::Struct(vec![Field::new("a", DataType::Int32, true)].into()),
        ];
        for len in [0, 1, 7, 8, 9, 100_000, 70_000] {
            for dt in &types {
                let a = null_array(dt, len);
                a.to_data().validate_full().unwrap();
                assert_eq!(a.as_ref(), new_null_array(dt, len).as_ref(), "{dt} {len}");
                assert_eq!(a.null_count(), len);
            }
        }
    }
}
