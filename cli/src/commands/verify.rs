//! `annoy verify`: every check the library can make of an index file. A native file's
//! checksums find any changed byte; an Annoy file has none, so only its structure is checked.

use crate::args::VerifyArgs;
use crate::error::CliResult;
use crate::index_file;
use annoy::Format;

pub fn run(args: &VerifyArgs) -> CliResult<()> {
    let index = index_file::open(&args.index, &args.shape, false)?;
    index.verify()?;
    let what = match index.file_format() {
        Some(Format::Native) => "native file, every checksum and the structure",
        _ => "Annoy file, structure only (the format has no checksums)",
    };
    crate::commands::print(&format!("{}: ok ({what})\n", args.index.display()))
}
