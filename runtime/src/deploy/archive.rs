//! The Lambda zip: one executable, [`LAMBDA_EXECUTABLE`] (`bootstrap`), written byte for
//! byte the same from the same binary (fixed 1980-01-01 timestamp, fixed permissions and
//! creator system, fixed deflate level, no extra fields), so that equal binaries give equal
//! zips and equal hashes.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipWriter};

use crate::app::LAMBDA_EXECUTABLE;

/// Zips `binary` as the executable [`LAMBDA_EXECUTABLE`].
pub fn lambda_zip(binary: &[u8]) -> std::io::Result<Vec<u8>> {
    let options = SimpleFileOptions::DEFAULT
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(9))
        .last_modified_time(DateTime::DEFAULT)
        .system(System::Unix)
        .unix_permissions(0o755)
        .large_file(false);
    let mut zip = ZipWriter::new(Cursor::new(Vec::with_capacity(binary.len() / 2)));
    zip.start_file(LAMBDA_EXECUTABLE, options)
        .map_err(std::io::Error::other)?;
    zip.write_all(binary)?;
    Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
}

pub use crate::fingerprint::sha256_hex;

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn same_binary_same_bytes_and_an_executable_bootstrap() {
        let binary: Vec<u8> = (0..100_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let a = lambda_zip(&binary).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let b = lambda_zip(&binary).unwrap();
        assert_eq!(a, b, "a zip does not depend on when it was written");
        assert!(a.len() < binary.len(), "deflated");

        let mut archive = zip::ZipArchive::new(Cursor::new(a)).unwrap();
        assert_eq!(archive.len(), 1);
        let mut file = archive.by_index(0).unwrap();
        assert_eq!(file.name().unwrap(), "bootstrap");
        assert_eq!(file.unix_mode().unwrap() & 0o777, 0o755);
        let mut content = Vec::new();
        file.read_to_end(&mut content).unwrap();
        assert_eq!(content, binary);
    }

    #[test]
    fn hashes() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
