//! Hadoop's compression codecs for the text-based formats (CSV, JSON, text): a file is decompressed on read by its
//! extension, as Hadoop's codec factory picks a codec, and written with the codec the `compression` option names.
//! lz4 and snappy files use Hadoop's block framing (big-endian lengths around raw blocks), not the tools' own
//! framed formats, so files Spark wrote read back here and the other way round.
use std::io::{Read, Write};
use std::path::Path;

use crate::error::{EmberError, Result};
use crate::io::options::Options;

/// Hadoop's block size for the lz4 and snappy codecs (`io.compression.codec.*.buffersize`, 256 KiB).
const BLOCK: usize = 256 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    Gzip,
    Bzip2,
    /// Hadoop's DefaultCodec: a zlib stream.
    Deflate,
    Lz4,
    Snappy,
    /// Read only: Spark's writers refuse zstd for text files without Hadoop's native library.
    Zstd,
}

/// The codec names the writers accept, in the order Spark's message lists them.
const WRITE_CODECS: &str = "bzip2, deflate, uncompressed, snappy, none, lz4, gzip";

impl Codec {
    /// The codec of a file by its extension, as Hadoop's codec factory matches file names.
    pub fn of_path(path: &Path) -> Option<Codec> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "gz" => Codec::Gzip,
            "bz2" => Codec::Bzip2,
            "deflate" => Codec::Deflate,
            "lz4" => Codec::Lz4,
            "snappy" => Codec::Snappy,
            "zst" => Codec::Zstd,
            _ => return None,
        })
    }

    /// The writer's codec from the `compression` (or `codec`) option; None for none/uncompressed or no option.
    pub fn for_write(opts: &Options) -> Result<Option<Codec>> {
        let Some(name) = opts.get_any(&["compression", "codec"]) else { return Ok(None) };
        Ok(Some(match name.to_ascii_lowercase().as_str() {
            "none" | "uncompressed" => return Ok(None),
            "gzip" => Codec::Gzip,
            "bzip2" => Codec::Bzip2,
            "deflate" => Codec::Deflate,
            "lz4" => Codec::Lz4,
            "snappy" => Codec::Snappy,
            _ => {
                return Err(EmberError::with_condition(
                    crate::error::ErrorKind::IllegalArgument,
                    "CODEC_NOT_AVAILABLE.WITH_AVAILABLE_CODECS_SUGGESTION",
                    [("codecName", name), ("availableCodecs", WRITE_CODECS)],
                ))
            }
        }))
    }

    /// The extension a written part file gets after the format's own (`.csv.gz`).
    pub fn extension(self) -> &'static str {
        match self {
            Codec::Gzip => ".gz",
            Codec::Bzip2 => ".bz2",
            Codec::Deflate => ".deflate",
            Codec::Lz4 => ".lz4",
            Codec::Snappy => ".snappy",
            Codec::Zstd => ".zst",
        }
    }

    pub fn decompress(self, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(bytes.len().saturating_mul(4));
        match self {
            // Multi-member readers: concatenated gzip/bzip2 files are one stream to Hadoop too.
            Codec::Gzip => {
                flate2::read::MultiGzDecoder::new(bytes).read_to_end(&mut out)?;
            }
            Codec::Bzip2 => {
                bzip2::read::MultiBzDecoder::new(bytes).read_to_end(&mut out)?;
            }
            Codec::Deflate => {
                flate2::read::ZlibDecoder::new(bytes).read_to_end(&mut out)?;
            }
            Codec::Zstd => {
                zstd::stream::read::Decoder::new(bytes)?.read_to_end(&mut out)?;
            }
            Codec::Lz4 | Codec::Snappy => unblock(self, bytes, &mut out)?,
        }
        Ok(out)
    }

    pub fn compress(self, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
        match self {
            Codec::Gzip => {
                let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                w.write_all(bytes)?;
                w.finish()
            }
            Codec::Bzip2 => {
                let mut w = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
                w.write_all(bytes)?;
                w.finish()
            }
            Codec::Deflate => {
                let mut w = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
                w.write_all(bytes)?;
                w.finish()
            }
            Codec::Zstd => zstd::stream::encode_all(bytes, 0),
            Codec::Lz4 | Codec::Snappy => Ok(block(self, bytes)),
        }
    }
}

/// Hadoop's block framing: per block of at most `BLOCK` input bytes, its length, then one compressed chunk with
/// its length (big-endian 32-bit integers).
fn block(codec: Codec, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() / 2 + 16);
    for raw in bytes.chunks(BLOCK) {
        let packed = match codec {
            Codec::Lz4 => lz4_flex::block::compress(raw),
            _ => snap::raw::Encoder::new().compress_vec(raw).expect("snappy compresses any block"),
        };
        out.extend_from_slice(&(raw.len() as u32).to_be_bytes());
        out.extend_from_slice(&(packed.len() as u32).to_be_bytes());
        out.extend_from_slice(&packed);
    }
    out
}

/// Reverse `block`: a block's raw length may be spread over several compressed chunks.
fn unblock(codec: Codec, mut bytes: &[u8], out: &mut Vec<u8>) -> std::io::Result<()> {
    fn int(bytes: &mut &[u8]) -> std::io::Result<usize> {
        if bytes.len() < 4 {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "Unexpected end of input stream"));
        }
        let (head, rest) = bytes.split_at(4);
        *bytes = rest;
        Ok(u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize)
    }
    let corrupt = |what: String| std::io::Error::new(std::io::ErrorKind::InvalidData, what);
    while !bytes.is_empty() {
        let raw_len = int(&mut bytes)?;
        let mut done = 0;
        while done < raw_len {
            let len = int(&mut bytes)?;
            if len > bytes.len() {
                return Err(corrupt("Unexpected end of input stream".into()));
            }
            let (chunk, rest) = bytes.split_at(len);
            bytes = rest;
            let before = out.len();
            // A chunk never expands past what its block still lacks; the bound also stops a hostile length.
            let room = raw_len - done;
            match codec {
                Codec::Lz4 => {
                    out.resize(before + room, 0);
                    let n = lz4_flex::block::decompress_into(chunk, &mut out[before..])
                        .map_err(|e| corrupt(format!("lz4: {e}")))?;
                    out.truncate(before + n);
                }
                _ => {
                    let n = snap::raw::decompress_len(chunk).map_err(|e| corrupt(format!("snappy: {e}")))?;
                    if n > room {
                        return Err(corrupt("snappy: a chunk is longer than its block".into()));
                    }
                    out.resize(before + n, 0);
                    snap::raw::Decoder::new()
                        .decompress(chunk, &mut out[before..])
                        .map_err(|e| corrupt(format!("snappy: {e}")))?;
                }
            }
            let n = out.len() - before;
            if n == 0 && room > 0 {
                return Err(corrupt("a compressed chunk decoded to nothing".into()));
            }
            done += n;
        }
    }
    Ok(())
}

/// A data file's bytes, decompressed when its extension names a codec. Errors name the file, as Spark's
/// `FAILED_READ_FILE` does; a missing file is Spark's `PATH_NOT_FOUND`.
pub fn read_data_file(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            EmberError::with_condition(
                crate::error::ErrorKind::Io(e.kind()),
                "PATH_NOT_FOUND",
                [("path", format!("file:{}", path.display()))],
            )
        } else {
            failed_read(path, e)
        }
    })?;
    match Codec::of_path(path) {
        None => Ok(bytes),
        Some(codec) => codec.decompress(&bytes).map_err(|e| failed_read(path, e)),
    }
}

/// Spark's `FAILED_READ_FILE.NO_HINT`, with the I/O error as its cause.
fn failed_read(path: &Path, e: std::io::Error) -> EmberError {
    EmberError::execution_condition("FAILED_READ_FILE.NO_HINT", [("path", format!("file://{}", path.display()))])
        .caused_by(EmberError::from(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        (0..700_000u32).flat_map(|i| format!("{{\"x\":{i}}}\n").into_bytes()).collect()
    }

    #[test]
    fn every_codec_round_trips_across_blocks() {
        let data = sample();
        for c in [Codec::Gzip, Codec::Bzip2, Codec::Deflate, Codec::Lz4, Codec::Snappy, Codec::Zstd] {
            let packed = c.compress(&data).unwrap();
            assert_ne!(packed, data, "{c:?}");
            assert_eq!(c.decompress(&packed).unwrap(), data, "{c:?}");
        }
    }

    #[test]
    fn hadoop_block_framing_matches_what_spark_writes() {
        // The first bytes of a `.json.lz4` part file PySpark 4.3 wrote for two 16-byte lines.
        let framed = block(Codec::Lz4, b"{\"x\":1,\"y\":\"a\"}\n{\"x\":2,\"y\":\"b\"}\n");
        assert_eq!(&framed[..4], &[0, 0, 0, 32]);
        let chunk = u32::from_be_bytes([framed[4], framed[5], framed[6], framed[7]]) as usize;
        assert_eq!(framed.len(), 8 + chunk);
    }

    #[test]
    fn concatenated_gzip_members_are_one_stream() {
        let mut two = Codec::Gzip.compress(b"a\n").unwrap();
        two.extend(Codec::Gzip.compress(b"b\n").unwrap());
        assert_eq!(Codec::Gzip.decompress(&two).unwrap(), b"a\nb\n");
    }

    #[test]
    fn damaged_input_is_an_error_not_a_panic() {
        let data = sample();
        for c in [Codec::Gzip, Codec::Bzip2, Codec::Deflate, Codec::Lz4, Codec::Snappy, Codec::Zstd] {
            let packed = c.compress(&data).unwrap();
            assert!(c.decompress(&packed[..packed.len() / 2]).is_err(), "{c:?} truncated");
        }
        assert!(Codec::Lz4.decompress(&[0, 0, 0, 9, 255, 255, 255, 255]).is_err());
        assert!(Codec::Snappy.decompress(&[0, 0, 0, 9, 0, 0, 0, 2, 0xff, 0xff]).is_err());
    }

    #[test]
    fn codec_names_and_spark_error() {
        let o = |v: &str| Options::from_pairs([("compression", v)]);
        assert_eq!(Codec::for_write(&o("GZIP")).unwrap(), Some(Codec::Gzip));
        assert_eq!(Codec::for_write(&o("none")).unwrap(), None);
        let e = Codec::for_write(&o("zstd")).unwrap_err();
        assert_eq!(
            e.message(),
            "[CODEC_NOT_AVAILABLE.WITH_AVAILABLE_CODECS_SUGGESTION] The codec zstd is not available. Available codecs are bzip2, deflate, uncompressed, snappy, none, lz4, gzip. SQLSTATE: 56038"
        );
        assert_eq!(Codec::of_path(Path::new("/a/b.csv.GZ")), Some(Codec::Gzip));
        assert_eq!(Codec::of_path(Path::new("/a/b.csv")), None);
    }
}
