mod common;
use common::*;

#[test]
fn measure() {
    for r in recipes() {
        let data = generate(&r);
        let t = std::time::Instant::now();
        let mut idx = index_of(r.metric, &data);
        idx.build(10, 1).unwrap();
        let bt = t.elapsed();
        for sk in [None, Some(300), Some(1000)] {
            let t = std::time::Instant::now();
            let rc = recall(&idx, &data, 10, sk);
            println!("{:?} sk={:?} recall={:.4} build={:?} q={:?} nodes={}", r.metric, sk, rc, bt, t.elapsed(), idx.n_nodes());
        }
    }
}

#[test]
fn cmp_annoy() {
    let dir = std::path::PathBuf::from("/tmp/recall_data");
    for r in recipes() {
        let data = generate(&r);
        let name = r.metric.name();
        let pts = read_npy(&dir.join(format!("{name}_points.npy"))).rows_f32();
        let qs = read_npy(&dir.join(format!("{name}_queries.npy"))).rows_f32();
        let same = pts == data.points && qs == data.queries;
        let maxd = pts.iter().zip(&data.points).flat_map(|(a,b)| a.iter().zip(b).map(|(x,y)| (x-y).abs())).fold(0f32, f32::max);
        let mut idx = index_of(r.metric, &data);
        idx.build(10, 1).unwrap();
        let ids = read_npy(&dir.join(format!("{name}_annoy_ids_sk-1.npy")));
        let mut agree = 0;
        for (qi, q) in data.queries.iter().enumerate() {
            let ours: Vec<i64> = idx.query(annoy::Query::Vector(q), 10, None).unwrap().iter().map(|n| n.id as i64).collect();
            let theirs: Vec<i64> = ids.row(qi).iter().map(|&x| x as i64).collect();
            if ours == theirs { agree += 1; }
        }
        println!("{name} same={same} maxd={maxd} agree={agree}/100 nodes={}", idx.n_nodes());
    }
}

#[test]
fn save_ours() {
    for r in recipes() {
        let data = generate(&r);
        let mut idx = index_of(r.metric, &data);
        idx.build(10, 1).unwrap();
        idx.save(format!("/tmp/recall_data/{}_ours.ann", r.metric.name()), false).unwrap();
    }
}
