//! The shared conformance cases (`tests/conformance/cases.json`), run against the core API.
//! The C, Go, Ruby and Python suites run the same file through their own API.

mod common;

use annoy::{Error, Index, Metric, Query, QueryOptions, SearchK, Status};
use common::TempDir;
use serde_json::Value;

fn status_of(e: &Error) -> &'static str {
    e.status().name()
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| match x.as_str() {
            Some("nan") => f32::NAN,
            Some("inf") => f32::INFINITY,
            Some("-inf") => f32::NEG_INFINITY,
            Some(other) => panic!("unknown value {other}"),
            None => x.as_f64().unwrap() as f32,
        })
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-4 * (1.0 + b.abs())
}

/// Runs one step; the outcome is `Ok` or the status name of the error.
fn step(index: &mut Option<Index>, s: &Value, dir: &TempDir, at: &str) -> Result<(), &'static str> {
    let int = |k: &str| s[k].as_i64().unwrap();
    // The core takes u32 ids: larger ones (the bindings take them) are unknown items.
    let id = |k: &str| u32::try_from(int(k)).map_err(|_| Status::UnknownItem.name());
    let op = s["op"].as_str().unwrap();
    if op == "new" {
        // A metric is a typed value in Rust: an unknown one is a name that does not parse.
        let metric: Metric = s["metric"]
            .as_str()
            .unwrap()
            .parse()
            .map_err(|e| status_of(&e))?;
        *index = Some(Index::new(int("dim") as usize, metric).map_err(|e| status_of(&e))?);
        return Ok(());
    }
    if op == "write_file" {
        let hex = s["hex"].as_str().unwrap();
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        std::fs::write(dir.file(s["file"].as_str().unwrap()), bytes).unwrap();
        return Ok(());
    }
    let index = index.as_mut().expect("a step before `new`");
    let e = |e: Error| status_of(&e);
    match op {
        "seed" => index.set_seed(s["seed"].as_u64().unwrap()),
        "add" => index
            .add_item(id("id")?, &floats(&s["vector"]))
            .map_err(e)?,
        "build" => index
            .build(int("n_trees") as i32, int("n_threads") as i32)
            .map_err(e)?,
        "unbuild" => index.unbuild().map_err(e)?,
        "save" => index
            .save(dir.file(s["file"].as_str().unwrap()), false)
            .map_err(e)?,
        "load" => index
            .load(dir.file(s["file"].as_str().unwrap()), false)
            .map_err(e)?,
        "unload" => index.unload(),
        "n_items" => assert_eq!(index.n_items() as i64, int("value"), "{at}"),
        "n_trees" => assert_eq!(index.n_trees() as i64, int("value"), "{at}"),
        "item" => {
            let got = index.item_vector(id("id")?).map_err(e)?;
            assert_eq!(got, floats(&s["vector"]), "{at}");
        }
        "distance" => {
            let got = index.distance(id("i")?, id("j")?).map_err(e)?;
            let want = s["distance"].as_f64().unwrap();
            assert!(
                close(got as f64, want),
                "{at}: distance {got}, expected {want}"
            );
        }
        "query_item" | "query_vector" => {
            let vector;
            let query = if op == "query_item" {
                Query::Item(id("id")?)
            } else {
                vector = floats(&s["vector"]);
                Query::Vector(&vector)
            };
            let allowed: Option<Vec<u32>> = s.get("allow").map(|a| {
                a.as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_u64().unwrap() as u32)
                    .collect()
            });
            let words = allowed.map(annoy::Bitset::from_ids);
            let mut options = QueryOptions::new(int("n") as usize);
            options.search_k = SearchK::from_annoy(int("search_k"));
            if let Some(words) = &words {
                options.filter = annoy::Filter::Allow(annoy::Bitset::new(words));
            }
            let mut scratch = annoy::Scratch::default();
            let got = index
                .query_with_options(query, &options, &mut scratch)
                .map_err(e)?;
            let ids: Vec<i64> = got.iter().map(|r| r.id as i64).collect();
            let want: Vec<i64> = s["ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_i64().unwrap())
                .collect();
            assert_eq!(ids, want, "{at}");
            for (r, d) in got.iter().zip(s["distances"].as_array().unwrap()) {
                let d = d.as_f64().unwrap();
                assert!(
                    close(r.distance as f64, d),
                    "{at}: distance {} vs {d}",
                    r.distance
                );
            }
        }
        other => panic!("{at}: unknown op {other}"),
    }
    Ok(())
}

#[test]
fn every_conformance_case_holds() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/conformance/cases.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // The cases' status table is the core's.
    let table = doc["statuses"].as_object().unwrap();
    assert_eq!(table.len(), Status::ALL.len());
    for s in Status::ALL {
        assert_eq!(table[s.name()].as_i64(), Some(s.code() as i64), "{s:?}");
        assert_eq!(Status::from_code(s.code()), Some(s));
    }
    let mut steps = 0;
    for case in doc["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let dir = TempDir::new("conformance");
        let mut index = None;
        for (k, s) in case["steps"].as_array().unwrap().iter().enumerate() {
            let at = format!("{name}, step {k} ({s})");
            let want = s.get("status").and_then(Value::as_str).unwrap_or("OK");
            let got = step(&mut index, s, &dir, &at).err().unwrap_or("OK");
            assert_eq!(got, want, "{at}");
            steps += 1;
        }
    }
    assert!(steps > 200, "only {steps} steps ran");
}
