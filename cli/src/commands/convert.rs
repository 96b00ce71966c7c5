//! `annoy convert`: an index file rewritten in the other format. Annoy → native needs the
//! metric and dimension (once: the native file records them); native → Annoy gives back the
//! Annoy file byte for byte, as its records are stored unchanged. `--value-type` rewrites
//! a native file's item vectors as f16 or f32 (Annoy's format is always f32: an f16 file
//! converted to it is widened, exactly).

use crate::args::{ConvertArgs, ValueTypeArg};
use crate::error::{CliError, CliResult};
use crate::index_file;
use annoy::Format;

pub fn run(args: &ConvertArgs) -> CliResult<()> {
    let from = index_file::format_of(&args.input)?;
    let to = match args.to {
        Some(to) => to.into(),
        None if args.value_type.is_some() => Format::Native,
        None if from == Format::Native => Format::Annoy,
        None => Format::Native,
    };
    if to == Format::Annoy && args.value_type == Some(ValueTypeArg::F16) {
        return Err(CliError::new(
            "--value-type f16 needs --to native: Annoy's format stores f32",
        ));
    }
    let mut index = index_file::open(&args.input, &args.shape, false)?;
    if let Some(value_type) = args.value_type {
        index.set_value_type(value_type.into())?;
    }
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
