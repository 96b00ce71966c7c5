# The binding's conformance cases, as the other bindings have them: build, query by item and
# by vector with distances against brute force, save/load, errors carrying the status code.
# Needs Julia and libannoy (ANNOY_LIBRARY or an installed prefix): julia --project=. test/runtests.jl
using Test
using Random
using LinearAlgebra

include(joinpath(@__DIR__, "..", "src", "Annoy.jl"))
using .Annoy

const DIM = 8
rng = MersenneTwister(42)
vecs = [rand(rng, Float32, DIM) .- 0.5f0 for _ in 1:200]

brute(q) = sortperm([norm(q .- v) for v in vecs]) .- 1   # ids are 0-based

@testset "Annoy" begin
    idx = AnnoyIndex(DIM, :euclidean)
    for (i, v) in enumerate(vecs)
        add_item!(idx, i - 1, v)
    end
    set_seed!(idx, 7)
    build!(idx, 10; n_threads = 1)
    @test n_items(idx) == 200
    @test n_trees(idx) == 10

    ids, dists = get_nns_by_vector(idx, vecs[4], 10; search_k = -2, include_distances = true)
    @test ids == brute(vecs[4])[1:10]
    @test dists ≈ [norm(vecs[4] .- vecs[i + 1]) for i in ids] rtol = 1e-5
    @test get_nns_by_item(idx, 3, 10; search_k = -2) == ids
    @test get_item_vector(idx, 5) == vecs[6]
    @test get_distance(idx, 0, 1) ≈ norm(vecs[1] .- vecs[2]) rtol = 1e-5

    path = joinpath(mktempdir(), "t.ann")
    save(idx, path)
    loaded = AnnoyIndex(DIM, :euclidean)
    load!(loaded, path)
    @test n_items(loaded) == 200
    @test get_nns_by_item(loaded, 3, 10; search_k = -2) == ids

    err(f) = try f(); nothing catch e; e end
    @test err(() -> get_nns_by_vector(loaded, zeros(DIM + 1), 1)).status == 3   # ANNOY_E_DIMENSION
    @test err(() -> get_item_vector(loaded, 10_000)).status == 5               # ANNOY_E_UNKNOWN_ITEM
    @test err(() -> add_item!(loaded, 0, vecs[1])).status == 6                 # ANNOY_E_STATE
    @test err(() -> load!(loaded, "/nonexistent.ann")).status == 7             # ANNOY_E_IO
    @test err(() -> add_item!(AnnoyIndex(2, :angular), 0, [NaN, 1.0])).status == 4  # NOT_FINITE
    @test err(() -> AnnoyIndex(2, :cosine)) isa AnnoyError
    close(loaded)
    @test err(() -> n_items(loaded)).status == 1                               # closed
    close(idx)
end
