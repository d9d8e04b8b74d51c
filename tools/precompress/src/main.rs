//! `precompress FILE...`: writes FILE.br (brotli, quality 11) and FILE.gz
//! (gzip, level 9) next to each file, unless both are newer than it.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

fn fresh(source: &Path, target: &Path) -> bool {
    let modified = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
    matches!((modified(source), modified(target)), (Some(s), Some(t)) if t >= s)
}

fn compress(path: &Path) -> std::io::Result<(usize, usize, usize)> {
    let data = fs::read(path)?;
    let br = path.with_file_name(format!(
        "{}.br",
        path.file_name().unwrap().to_string_lossy()
    ));
    let gz = path.with_file_name(format!(
        "{}.gz",
        path.file_name().unwrap().to_string_lossy()
    ));
    if !fresh(path, &br) {
        let mut out = Vec::new();
        let params = brotli::enc::BrotliEncoderParams {
            quality: 11,
            lgwin: 22,
            ..Default::default()
        };
        brotli::BrotliCompress(&mut data.as_slice(), &mut out, &params)?;
        fs::write(&br, out)?;
    }
    if !fresh(path, &gz) {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&data)?;
        fs::write(&gz, encoder.finish()?)?;
    }
    let size = |p: &Path| fs::metadata(p).map(|m| m.len() as usize).unwrap_or(0);
    Ok((data.len(), size(&br), size(&gz)))
}

fn main() -> ExitCode {
    let mut ok = true;
    for arg in std::env::args().skip(1) {
        match compress(Path::new(&arg)) {
            Ok((raw, br, gz)) => println!("{arg}: {raw} bytes, brotli {br}, gzip {gz}"),
            Err(err) => {
                eprintln!("error: {arg}: {err}");
                ok = false;
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
