//! `annoy convert`: an index file rewritten in the other format. Annoy → native needs the
//! metric and dimension (once: the native file records them); native → Annoy gives back the
//! Annoy file byte for byte, as its records are stored unchanged.

use crate::args::ConvertArgs;
use crate::error::CliResult;
use crate::index_file;
use annoy::Format;

pub fn run(args: &ConvertArgs) -> CliResult<()> {
    let from = index_file::format_of(&args.input)?;
    let to = match args.to {
        Some(to) => to.into(),
        None if from == Format::Native => Format::Annoy,
        None => Format::Native,
    };
    let mut index = index_file::open(&args.input, &args.shape, false)?;
    index.save_as(&args.output, to, false)?;
    let size = index_file::file_size(&args.output)?;
    let name = |f: Format| match f {
        Format::Annoy => "annoy",
        Format::Native => "native",
    };
    crate::commands::print(&format!(
        "converted {} ({}) to {} ({}): {} ({size} bytes)\n",
        args.input.display(),
        name(from),
        args.output.display(),
        name(to),
        index_file::human_size(size)
    ))
}
