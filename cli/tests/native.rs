//! The CLI on native files: `info`, `query` and `verify` need no --metric/--dim, `build`
//! takes the dimension from .npy/.fvecs headers, `convert` goes both ways (native → Annoy
//! gives back the Annoy file byte for byte), and `verify` finds a changed byte.

use std::path::PathBuf;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_annoy");

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("annoy-cli-native-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, file: &str) -> String {
        self.0.join(file).to_str().unwrap().to_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn run_ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "annoy {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Exit status 1 and one `annoy: error:` line containing `expected`.
fn fails_with(args: &[&str], expected: &str) {
    let out = run(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "annoy {args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "annoy {args:?}: {err}");
    assert!(
        err.starts_with("annoy: error: ") && !err.contains("internal error"),
        "{err}"
    );
    assert!(
        err.contains(expected),
        "annoy {args:?}: expected {expected:?} in {err}"
    );
}

fn rows(n: usize, dim: usize) -> Vec<Vec<f32>> {
    let mut state = 0x1234_5678_9abc_def0u64;
    (0..n)
        .map(|_| {
            (0..dim)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state >> 40) as f32 / (1u64 << 23) as f32 - 1.0
                })
                .collect()
        })
        .collect()
}

fn write_npy(path: &str, rows: &[Vec<f32>]) {
    let mut header = format!(
        "{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}",
        rows.len(),
        rows[0].len()
    );
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for v in rows.iter().flatten() {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    std::fs::write(path, bytes).unwrap();
}

fn write_fvecs(path: &str, rows: &[Vec<f32>]) {
    let mut bytes = Vec::new();
    for row in rows {
        bytes.extend_from_slice(&(row.len() as i32).to_le_bytes());
        for v in row {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
    }
    std::fs::write(path, bytes).unwrap();
}

fn build(input: &str, output: &str, extra: &[&str]) {
    let mut args = vec![
        "build",
        "--metric",
        "euclidean",
        "--trees",
        "5",
        "--seed",
        "3",
    ];
    args.extend_from_slice(&["--input", input, "--output", output]);
    args.extend_from_slice(extra);
    run_ok(&args);
}

fn json_info(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["info", "--json"];
    all.extend_from_slice(args);
    serde_json::from_str(run_ok(&all).trim()).unwrap()
}

#[test]
fn native_file_is_queried_and_described_without_metric_or_dim() {
    let dir = TempDir::new("describe");
    let data = rows(300, 12);
    let (npy, fvecs) = (dir.path("data.npy"), dir.path("data.fvecs"));
    write_npy(&npy, &data);
    write_fvecs(&fvecs, &data);
    let (native, annoy) = (dir.path("index.native"), dir.path("index.ann"));
    // No --dim: the .npy and .fvecs headers give it.
    build(&npy, &native, &["--format", "native"]);
    build(&fvecs, &annoy, &[]);

    let info = json_info(&["--index", &native]);
    assert_eq!(info["metric"], "euclidean");
    assert_eq!(info["dim"], 12);
    assert_eq!(info["items"], 300);
    assert_eq!(info["trees"], 5);
    assert_eq!(info["format"], "native");
    let info = json_info(&["--index", &annoy, "--metric", "euclidean", "--dim", "12"]);
    assert_eq!(info["format"], "annoy");

    // The same trees in either container: the same answers.
    for target in ["--item=17", "--vector=0.5,0,0,0,0,0,0,0,0,0,0,-0.5"] {
        let from_native = run_ok(&["query", "--index", &native, target, "--json"]);
        let from_annoy = run_ok(&[
            "query",
            "--index",
            &annoy,
            "--metric",
            "euclidean",
            "--dim",
            "12",
            target,
            "--json",
        ]);
        assert_eq!(from_native, from_annoy, "{target}");
        let doc: serde_json::Value = serde_json::from_str(from_native.trim()).unwrap();
        assert_eq!(doc["ids"].as_array().unwrap().len(), 10);
    }
    // A shape given for a native file must be the file's.
    run_ok(&[
        "query",
        "--index",
        &native,
        "--metric",
        "euclidean",
        "--dim",
        "12",
        "--item=1",
    ]);
    fails_with(
        &[
            "query", "--index", &native, "--metric", "angular", "--dim", "12", "--item=1",
        ],
        "holds a euclidean index of dimension 12",
    );
    fails_with(
        &["query", "--index", &native, "--dim", "12", "--item=1"],
        "--metric is needed",
    );
    fails_with(
        &["info", "--index", &annoy],
        "an Annoy file records neither",
    );
}

#[test]
fn build_needs_dim_only_for_text() {
    let dir = TempDir::new("textdim");
    let text = dir.path("data.txt");
    std::fs::write(&text, "1 2 3\n4 5 6\n").unwrap();
    let out = dir.path("out.ann");
    fails_with(
        &[
            "build", "--metric", "angular", "--trees", "2", "--input", &text, "--output", &out,
        ],
        "--dim is needed",
    );
    run_ok(&[
        "build", "--metric", "angular", "--trees", "2", "--dim", "3", "--input", &text, "--output",
        &out,
    ]);
    let npy = dir.path("data.npy");
    write_npy(&npy, &rows(5, 4));
    fails_with(
        &[
            "build", "--metric", "angular", "--trees", "2", "--dim", "3", "--input", &npy,
            "--output", &out,
        ],
        "--dim is 3",
    );
}

#[test]
fn convert_round_trips_annoy_files_byte_for_byte() {
    let dir = TempDir::new("convert");
    let npy = dir.path("data.npy");
    write_npy(&npy, &rows(500, 8));
    let (annoy, native, back) = (dir.path("a.ann"), dir.path("a.native"), dir.path("b.ann"));
    build(&npy, &annoy, &[]);
    fails_with(
        &["convert", "--input", &annoy, "--output", &native],
        "--metric",
    );
    run_ok(&[
        "convert",
        "--input",
        &annoy,
        "--metric",
        "euclidean",
        "--dim",
        "8",
        "--output",
        &native,
    ]);
    assert_eq!(json_info(&["--index", &native])["format"], "native");
    // Native → Annoy is the default direction for a native file and needs no shape.
    run_ok(&["convert", "--input", &native, "--output", &back]);
    assert!(std::fs::read(&annoy).unwrap() == std::fs::read(&back).unwrap());
    // Native → native with --to rewrites the same bytes.
    let again = dir.path("again.native");
    run_ok(&[
        "convert", "--input", &native, "--to", "native", "--output", &again,
    ]);
    assert!(std::fs::read(&native).unwrap() == std::fs::read(&again).unwrap());
}

#[test]
fn verify_finds_any_changed_byte_of_a_native_file() {
    let dir = TempDir::new("verify");
    let npy = dir.path("data.npy");
    write_npy(&npy, &rows(200, 6));
    let (native, annoy) = (dir.path("i.native"), dir.path("i.ann"));
    build(&npy, &native, &["--format", "native"]);
    build(&npy, &annoy, &[]);
    assert!(run_ok(&["verify", "--index", &native]).contains("ok"));
    assert!(run_ok(&[
        "verify",
        "--index",
        &annoy,
        "--metric",
        "euclidean",
        "--dim",
        "6"
    ])
    .contains("structure only"));
    let good = std::fs::read(&native).unwrap();
    let bad_path = dir.path("bad.native");
    // Header, table, metadata, the vectors and the forest (the last byte).
    for at in [0, 20, 70, 200, good.len() / 2, good.len() - 1] {
        let mut bad = good.clone();
        bad[at] ^= 0x10;
        std::fs::write(&bad_path, &bad).unwrap();
        let out = run(&["verify", "--index", &bad_path]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "byte {at} changed, verify passed"
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with("annoy: error: ") && !err.contains("internal error"),
            "{err}"
        );
    }
    std::fs::write(&bad_path, &good[..good.len() - 64]).unwrap();
    fails_with(&["verify", "--index", &bad_path], "");
    fails_with(&["info", "--index", &bad_path], "");
}

/// A native file with a graph (a committed fuzz seed: 40 items, degree 4) shows its degree in
/// `info`, and `convert` native → native keeps the graph.
#[test]
fn info_shows_the_graph_and_native_convert_keeps_it() {
    let seed = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fuzz/seeds/open_native/euclidean-graph-40"
    );
    let info = json_info(&["--index", seed]);
    assert_eq!(info["graph_degree"], 4);
    let dir = TempDir::new("graph-convert");
    let out = dir.0.join("copy.ann");
    let out = out.to_str().unwrap();
    run_ok(&[
        "convert", "--input", seed, "--output", out, "--to", "native",
    ]);
    assert_eq!(std::fs::read(out).unwrap(), std::fs::read(seed).unwrap());
    let forest = dir.0.join("forest.ann");
    let forest = forest.to_str().unwrap();
    run_ok(&[
        "convert", "--input", seed, "--output", forest, "--to", "annoy",
    ]);
    let info = json_info(&["--index", forest, "--metric", "euclidean", "--dim", "8"]);
    assert!(info.get("graph_degree").is_none());
}

/// `build --graph` writes a native file with the graph, byte-identical on 1 and 2 threads;
/// `query --ef` searches it; `--graph` on an Annoy-format build is refused.
#[test]
fn build_graph_writes_it_natively_and_query_takes_ef() {
    let dir = TempDir::new("graph-build");
    let npy = dir.0.join("v.npy");
    let npy = npy.to_str().unwrap();
    write_npy(npy, &rows(300, 8));
    let (one, two) = (dir.0.join("g1.ann"), dir.0.join("g2.ann"));
    let (one, two) = (one.to_str().unwrap(), two.to_str().unwrap());
    let graph = ["--format", "native", "--graph", "--degree", "8"];
    build(npy, one, &[&graph[..], &["--threads", "1"]].concat());
    build(npy, two, &[&graph[..], &["--threads", "2"]].concat());
    assert_eq!(std::fs::read(one).unwrap(), std::fs::read(two).unwrap());
    assert_eq!(json_info(&["--index", one])["graph_degree"], 8);
    let out = run_ok(&[
        "query", "--index", one, "--item", "7", "-n", "5", "--ef", "32", "--json",
    ]);
    let found: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(found["ids"].as_array().unwrap().len(), 5);
    assert_eq!(found["ids"][0], 7);
    fails_with(
        &[
            "build",
            "--metric",
            "euclidean",
            "--trees",
            "2",
            "--input",
            npy,
            "--output",
            one,
            "--graph",
        ],
        "--graph needs --format native",
    );
}

#[test]
fn value_type_f16_builds_and_converts_native_files_of_half_the_items() {
    let dir = TempDir::new("f16");
    let npy = dir.path("data.npy");
    write_npy(&npy, &rows(400, 32));
    let (f32_file, f16_file) = (dir.path("a.native"), dir.path("a16.native"));
    build(&npy, &f32_file, &["--format", "native"]);
    build(
        &npy,
        &f16_file,
        &["--format", "native", "--value-type", "f16"],
    );
    let (a, b) = (
        json_info(&["--index", &f32_file]),
        json_info(&["--index", &f16_file]),
    );
    assert_eq!(a["value_type"], "f32");
    assert_eq!(b["value_type"], "f16");
    // 400 items of 32 values, 2 bytes a value fewer (pages of padding aside).
    let (a_size, b_size) = (
        a["file_size"].as_u64().unwrap(),
        b["file_size"].as_u64().unwrap(),
    );
    assert!(a_size - b_size >= 400 * 32 * 2, "{a_size} → {b_size}");
    run_ok(&["verify", "--index", &f16_file]);
    // Converting the f32 file to f16 writes what building f16 wrote; and back to f32 and to
    // Annoy's format widens it.
    let converted = dir.path("c16.native");
    run_ok(&[
        "convert",
        "--input",
        &f32_file,
        "--value-type",
        "f16",
        "--output",
        &converted,
    ]);
    assert!(std::fs::read(&converted).unwrap() == std::fs::read(&f16_file).unwrap());
    let (widened, annoy) = (dir.path("w.native"), dir.path("w.ann"));
    run_ok(&[
        "convert",
        "--input",
        &f16_file,
        "--value-type",
        "f32",
        "--output",
        &widened,
    ]);
    assert_eq!(json_info(&["--index", &widened])["value_type"], "f32");
    run_ok(&["convert", "--input", &f16_file, "--output", &annoy]);
    let query = |index: &str, extra: &[&str]| {
        let mut args = vec!["query", "--index", index, "--item", "7", "-n", "5"];
        args.extend_from_slice(extra);
        run_ok(&args)
    };
    let from_f16 = query(&f16_file, &[]);
    assert_eq!(query(&widened, &[]), from_f16);
    assert_eq!(
        query(&annoy, &["--metric", "euclidean", "--dim", "32"]),
        from_f16
    );
    fails_with(
        &[
            "convert",
            "--input",
            &f16_file,
            "--to",
            "annoy",
            "--value-type",
            "f16",
            "--output",
            &annoy,
        ],
        "--to native",
    );
    fails_with(
        &[
            "build",
            "--metric",
            "euclidean",
            "--trees",
            "2",
            "--input",
            &npy,
            "--output",
            &annoy,
            "--value-type",
            "f16",
        ],
        "--format native",
    );
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A native file with a graph: `annoy bench` sweeps its beam width (`--ef`, or a default list)
/// instead of search_k and says so in the table and the JSON; `annoy tune --ef` lists each
/// width with its recall, the smallest reaching the target marked. `--ef` on an index without
/// a graph, and `--search-k` on one with a graph, are refused.
#[test]
fn bench_and_tune_sweep_ef_on_a_graph_index() {
    let dir = TempDir::new("graph-sweep");
    let all = rows(2030, 8);
    let (data, queries) = (dir.path("v.npy"), dir.path("q.fvecs"));
    write_npy(&data, &all[..2000]);
    write_fvecs(&queries, &all[2000..]);
    let (graph, forest) = (dir.path("g.native"), dir.path("f.ann"));
    build(
        &data,
        &graph,
        &["--format", "native", "--graph", "--degree", "8"],
    );
    build(&data, &forest, &[]);
    let bench = |index: &str, extra: &[&str]| -> Vec<String> {
        let mut args = vec![
            "bench",
            "--index",
            index,
            "--metric",
            "euclidean",
            "--dim",
            "8",
            "--queries",
            &queries,
            "--data",
            &data,
            "--runs",
            "1",
        ];
        args.extend_from_slice(extra);
        args.iter().map(|a| a.to_string()).collect()
    };

    let args = bench(&graph, &["--ef=1,-1,200", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(run_ok(&strs(&args)).trim()).unwrap();
    assert_eq!(doc["graph_degree"], 8, "{doc}");
    let sweep = doc["sweep"].as_array().unwrap();
    let efs: Vec<_> = sweep.iter().map(|s| s["ef"].as_u64().unwrap()).collect();
    // 1 counts as k = 10; -1 is the library's default width (64, at least k).
    assert_eq!(efs, [10, 64, 200], "{doc}");
    assert!(sweep.iter().all(|s| s.get("search_k").is_none()), "{doc}");
    let defaults: Vec<_> = sweep
        .iter()
        .map(|s| s["default"].as_bool().unwrap())
        .collect();
    assert_eq!(defaults, [false, true, false]);
    let recalls: Vec<_> = sweep
        .iter()
        .map(|s| s["recall"].as_f64().unwrap())
        .collect();
    assert!(recalls[2] >= 0.95, "ef 200 over 2000 items: {doc}");
    assert!(recalls[0] <= recalls[2], "{doc}");

    let text = run_ok(&strs(&bench(&graph, &["--ef=-1,200"])));
    assert!(
        text.contains("a graph of degree 8") && text.contains("(default)"),
        "{text}"
    );
    let header = text.lines().find(|l| l.contains("recall@10")).unwrap();
    assert_eq!(header.split_whitespace().next(), Some("ef"), "{text}");
    let last: Vec<&str> = text.lines().last().unwrap().split_whitespace().collect();
    assert_eq!(last[0], "200", "{text}");

    let args = bench(&graph, &["--json"]);
    let doc: serde_json::Value = serde_json::from_str(run_ok(&strs(&args)).trim()).unwrap();
    let efs: Vec<_> = doc["sweep"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["ef"].as_u64().unwrap())
        .collect();
    assert_eq!(efs, [16, 32, 64, 128, 256], "{doc}");

    fails_with(
        &strs(&bench(&graph, &["--search-k", "100"])),
        "search_k is unused",
    );
    fails_with(
        &strs(&bench(&forest, &["--ef", "64"])),
        "--ef needs an index with a graph",
    );
    fails_with(
        &strs(&bench(&graph, &["--ef=-3"])),
        "--ef values must be at least 0",
    );
    fails_with(
        &strs(&bench(&graph, &["--ef", "0"])),
        "ef must be at least 1",
    );

    let tune = ["tune", "--index", &graph, "-k", "5", "--sample", "40"];
    let out = run_ok(
        &[
            &tune[..],
            &["--ef", "1,8,200", "--target-recall", "0.9", "--json"],
        ]
        .concat(),
    );
    let doc: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let points = doc["points"].as_array().unwrap();
    let efs: Vec<_> = points.iter().map(|p| p["ef"].as_u64().unwrap()).collect();
    assert_eq!(efs, [5, 8, 200], "1 counts as k = 5: {out}");
    let chosen = doc["chosen"]["ef"].as_u64().unwrap();
    let reaching = points
        .iter()
        .filter(|p| p["recall"].as_f64().unwrap() >= 0.9)
        .map(|p| p["ef"].as_u64().unwrap());
    assert_eq!(Some(chosen), reaching.min(), "{out}");
    assert_eq!(doc["default"]["ef"], 64, "{out}");
    assert_eq!(doc["graph_degree"], 8, "{out}");

    let text = run_ok(&[&tune[..], &["--ef", "8,200"]].concat());
    assert!(
        text.contains("smallest reaching the target")
            && text.contains("the library's default width"),
        "{text}"
    );
    let header = text.lines().nth(1).unwrap();
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        ["ef", "recall", "queries/s"]
    );
    let out = run_ok(&[&tune[..], &["--json"]].concat());
    let doc: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let efs: Vec<_> = doc["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["ef"].as_u64().unwrap())
        .collect();
    assert_eq!(efs, [16, 32, 64, 128, 256], "{out}");
    fails_with(
        &[
            "tune",
            "--index",
            &forest,
            "--metric",
            "euclidean",
            "--dim",
            "8",
            "--ef",
            "64",
        ],
        "--ef needs an index with a graph",
    );
}
