//! `annoy build`: vectors from a file → trees → an index file.

use crate::args::{BuildArgs, FormatArg, ValueTypeArg};
use crate::error::{CliError, CliResult};
use crate::{index_file, input, numbers, progress};
use std::time::Instant;

pub fn run(args: &BuildArgs) -> CliResult<()> {
    let started = Instant::now();
    let dim = match (args.shape.dim, input::header_dim(&args.input)?) {
        (Some(dim), _) | (None, Some(dim)) => dim,
        (None, None) => {
            return Err(CliError::new(format!(
                "--dim is needed: {} is text, which has no header to give it",
                args.input.display()
            )))
        }
    };
    if args.on_disk && args.format == FormatArg::Native {
        return Err(CliError::new(
            "--on-disk builds an Annoy file in place; convert it to native afterwards",
        ));
    }
    if args.graph && args.format != FormatArg::Native {
        return Err(CliError::new(
            "--graph needs --format native: Annoy's format holds the forest only",
        ));
    }
    if args.value_type == ValueTypeArg::F16 && args.format != FormatArg::Native {
        return Err(CliError::new(
            "--value-type f16 needs --format native: Annoy's format stores f32",
        ));
    }
    let mut index = index_file::new_index(&args.shape, dim)?;
    index.set_value_type(args.value_type.into())?;
    let metric = index.metric();
    index.set_seed(args.seed);
    if args.on_disk {
        index.on_disk_build(&args.output)?;
    }
    let built = (|| -> CliResult<usize> {
        let rows = input::read_vectors(&args.input, dim, &mut |id, vector| {
            numbers::check_values(metric, vector)?;
            Ok(index.add_item(id, vector)?)
        })?;
        if rows == 0 {
            return Err(CliError::new(format!(
                "{} holds no vectors",
                args.input.display()
            )));
        }
        let bar = progress::trees_bar(u64::try_from(args.trees).ok());
        let result =
            index.build_with_progress(args.trees, args.threads, &mut progress::draw_trees(&bar));
        bar.finish_and_clear();
        result?;
        if args.graph {
            let params = args
                .degree
                .map_or_else(annoy::GraphParams::default, annoy::GraphParams::for_degree);
            index.build_graph(params, args.threads)?;
        }
        if !args.on_disk {
            index.save_as(&args.output, args.format.into(), false)?;
        }
        Ok(rows)
    })();
    if built.is_err() && args.on_disk {
        // Do not leave a half-built file behind under the name of a finished index.
        drop(index);
        let _ = std::fs::remove_file(&args.output);
        return built.map(|_| ());
    }
    let rows = built?;
    let size = index_file::file_size(&args.output)?;
    crate::commands::print(&format!(
        "built {}: {rows} items, {} trees, {} nodes, {} ({size} bytes), {:.2} s\n",
        args.output.display(),
        index.n_trees(),
        index.n_nodes(),
        index_file::human_size(size),
        started.elapsed().as_secs_f64()
    ))
}
