"""
    Annoy

Julia binding of annoy-rs (a Rust reimplementation of Spotify's Annoy) over its C API,
`include/annoy.h`, through `ccall`. Indexes read and write Annoy's `.ann` files.

The shared library is `ENV["ANNOY_LIBRARY"]` when set at load time (a path), otherwise
`libannoy` found by the dynamic loader (an installed prefix on `LD_LIBRARY_PATH`).
"""
module Annoy

export AnnoyIndex, AnnoyError, add_item!, build!, unbuild!, save, load!, unload!, set_seed!,
       get_nns_by_item, get_nns_by_vector, get_item_vector, get_distance, n_items, n_trees

const libannoy = get(ENV, "ANNOY_LIBRARY", "libannoy")

# Opaque C handles (struct annoy_index, struct annoy_error).
struct CIndex end
struct CError end

const METRICS = (:angular, :euclidean, :manhattan, :dot, :hamming)  # ANNOY_METRIC_* 0..4
const SEARCH_K_DEFAULT = -1

"""
    AnnoyError(status, message)

A failed library call: `status` is the C API's `annoy_status` code (`ANNOY_E_DIMENSION` = 3,
...), `message` the library's explanation.
"""
struct AnnoyError <: Exception
    status::Int32
    message::String
end
Base.showerror(io::IO, e::AnnoyError) = print(io, "AnnoyError(", e.status, "): ", e.message)

status_string(status::Integer) =
    unsafe_string(ccall((:annoy_status_str, libannoy), Cstring, (Int32,), status))

"""The version of the loaded library ("MAJOR.MINOR.PATCH")."""
version() = unsafe_string(ccall((:annoy_version, libannoy), Cstring, ()))

# Turns a status and its error object into an AnnoyError (freeing the object), or nothing.
function check(status::Cint, err::Ref{Ptr{CError}})
    status == 0 && return nothing
    e = err[]
    if e == C_NULL
        throw(AnnoyError(status, status_string(status)))
    end
    code = ccall((:annoy_error_status, libannoy), Cint, (Ptr{CError},), e)
    msg = unsafe_string(ccall((:annoy_error_message, libannoy), Cstring, (Ptr{CError},), e))
    ccall((:annoy_error_free, libannoy), Cvoid, (Ptr{CError},), e)
    throw(AnnoyError(code, msg))
end

"""
    AnnoyIndex(dim, metric)

An empty index of `dim`-dimensional vectors; `metric` is one of `:angular`, `:euclidean`,
`:manhattan`, `:dot`, `:hamming`. Freed by `close` or, failing that, by the garbage collector.
"""
mutable struct AnnoyIndex
    ptr::Ptr{CIndex}
    dim::Int
    metric::Symbol

    function AnnoyIndex(dim::Integer, metric::Symbol)
        m = findfirst(==(metric), METRICS)
        m === nothing && throw(AnnoyError(10, "unknown metric $(metric)"))
        dim < 0 && throw(AnnoyError(2, "dimension must not be negative"))
        out = Ref{Ptr{CIndex}}(C_NULL)
        err = Ref{Ptr{CError}}(C_NULL)
        check(ccall((:annoy_new, libannoy), Cint,
                    (Int32, Csize_t, Ref{Ptr{CIndex}}, Ref{Ptr{CError}}),
                    m - 1, dim, out, err), err)
        idx = new(out[], Int(dim), metric)
        finalizer(close, idx)
        idx
    end
end
AnnoyIndex(dim::Integer, metric::AbstractString) = AnnoyIndex(dim, Symbol(lowercase(metric)))

"""Frees the index now; further calls on it raise `AnnoyError` (ANNOY_E_NULL)."""
function Base.close(idx::AnnoyIndex)
    if idx.ptr != C_NULL
        ccall((:annoy_free, libannoy), Cvoid, (Ptr{CIndex},), idx.ptr)
        idx.ptr = C_NULL
    end
    nothing
end

handle(idx::AnnoyIndex) =
    idx.ptr == C_NULL ? throw(AnnoyError(1, "the index is closed")) : idx.ptr

# Item ids are uint32_t in the C API; refuse what does not fit before converting.
function item_id(id::Integer)
    0 <= id <= typemax(UInt32) || throw(AnnoyError(5, "item id $(id) is out of range"))
    UInt32(id)
end

function add_item!(idx::AnnoyIndex, id::Integer, vector::AbstractVector{<:Real})
    v = Vector{Float32}(vector)
    err = Ref{Ptr{CError}}(C_NULL)
    check(ccall((:annoy_add, libannoy), Cint,
                (Ptr{CIndex}, UInt32, Ptr{Cfloat}, Csize_t, Ref{Ptr{CError}}),
                handle(idx), item_id(id), v, length(v), err), err)
    idx
end

function set_seed!(idx::AnnoyIndex, seed::Integer)
    err = Ref{Ptr{CError}}(C_NULL)
    check(ccall((:annoy_set_seed, libannoy), Cint, (Ptr{CIndex}, UInt64, Ref{Ptr{CError}}),
                handle(idx), UInt64(seed), err), err)
    idx
end

"""`build!(idx, n_trees = -1; n_threads = -1)`: -1 trees is automatic, -1 threads one per core."""
function build!(idx::AnnoyIndex, n_trees::Integer = -1; n_threads::Integer = -1)
    err = Ref{Ptr{CError}}(C_NULL)
    check(ccall((:annoy_build, libannoy), Cint, (Ptr{CIndex}, Int32, Int32, Ref{Ptr{CError}}),
                handle(idx), Int32(n_trees), Int32(n_threads), err), err)
    idx
end

function unbuild!(idx::AnnoyIndex)
    err = Ref{Ptr{CError}}(C_NULL)
    check(ccall((:annoy_unbuild, libannoy), Cint, (Ptr{CIndex}, Ref{Ptr{CError}}),
                handle(idx), err), err)
    idx
end

function save(idx::AnnoyIndex, path::AbstractString; prefault::Bool = false)
    err = Ref{Ptr{CError}}(C_NULL)
    check(ccall((:annoy_save, libannoy), Cint, (Ptr{CIndex}, Cstring, Bool, Ref{Ptr{CError}}),
                handle(idx), path, prefault, err), err)
    idx
end

function load!(idx::AnnoyIndex, path::AbstractString; prefault::Bool = false)
    err = Ref{Ptr{CError}}(C_NULL)
    check(ccall((:annoy_load, libannoy), Cint, (Ptr{CIndex}, Cstring, Bool, Ref{Ptr{CError}}),
                handle(idx), path, prefault, err), err)
    idx
end

function unload!(idx::AnnoyIndex)
    err = Ref{Ptr{CError}}(C_NULL)
    check(ccall((:annoy_unload, libannoy), Cint, (Ptr{CIndex}, Ref{Ptr{CError}}),
                handle(idx), err), err)
    idx
end

function n_items(idx::AnnoyIndex)
    n = Ref{Csize_t}(0)
    err = Ref{Ptr{CError}}(C_NULL)
    check(ccall((:annoy_n_items, libannoy), Cint, (Ptr{CIndex}, Ref{Csize_t}, Ref{Ptr{CError}}),
                handle(idx), n, err), err)
    Int(n[])
end

function n_trees(idx::AnnoyIndex)
    n = Ref{Csize_t}(0)
    err = Ref{Ptr{CError}}(C_NULL)
    check(ccall((:annoy_n_trees, libannoy), Cint, (Ptr{CIndex}, Ref{Csize_t}, Ref{Ptr{CError}}),
                handle(idx), n, err), err)
    Int(n[])
end

function get_item_vector(idx::AnnoyIndex, id::Integer)
    out = Vector{Float32}(undef, idx.dim)
    err = Ref{Ptr{CError}}(C_NULL)
    check(ccall((:annoy_get_item, libannoy), Cint,
                (Ptr{CIndex}, UInt32, Ptr{Cfloat}, Csize_t, Ref{Ptr{CError}}),
                handle(idx), item_id(id), out, length(out), err), err)
    out
end

function get_distance(idx::AnnoyIndex, i::Integer, j::Integer)
    d = Ref{Cfloat}(0)
    err = Ref{Ptr{CError}}(C_NULL)
    check(ccall((:annoy_distance, libannoy), Cint,
                (Ptr{CIndex}, UInt32, UInt32, Ref{Cfloat}, Ref{Ptr{CError}}),
                handle(idx), item_id(i), item_id(j), d, err), err)
    d[]
end

# Room for min(n, n_items) results, as the C API asks.
capacity(idx::AnnoyIndex, n::Integer) = min(Int(n), n_items(idx))

function results(ids::Vector{UInt32}, dists::Vector{Float32}, count::Integer, include_distances::Bool)
    found = Int.(ids[1:count])
    include_distances ? (found, dists[1:count]) : found
end

"""
    get_nns_by_vector(idx, vector, n; search_k = -1, include_distances = false)

The ids of the `n` nearest items (and their distances, as `(ids, distances)`). `search_k`
-1 looks at `n × n_trees` candidates, as Annoy does; any other negative value means no limit.
"""
function get_nns_by_vector(idx::AnnoyIndex, vector::AbstractVector{<:Real}, n::Integer;
                           search_k::Integer = SEARCH_K_DEFAULT, include_distances::Bool = false)
    n < 0 && throw(AnnoyError(2, "n must not be negative"))
    v = Vector{Float32}(vector)
    cap = capacity(idx, n)
    ids = Vector{UInt32}(undef, cap)
    dists = Vector{Float32}(undef, cap)
    count = Ref{Csize_t}(0)
    err = Ref{Ptr{CError}}(C_NULL)
    check(ccall((:annoy_query, libannoy), Cint,
                (Ptr{CIndex}, Ptr{Cfloat}, Csize_t, Csize_t, Int64, Ptr{UInt32}, Ptr{Cfloat},
                 Csize_t, Ref{Csize_t}, Ref{Ptr{CError}}),
                handle(idx), v, length(v), n, Int64(search_k), ids, dists, cap, count, err), err)
    results(ids, dists, count[], include_distances)
end

"""`get_nns_by_item(idx, id, n; search_k = -1, include_distances = false)`, as `get_nns_by_vector`."""
function get_nns_by_item(idx::AnnoyIndex, id::Integer, n::Integer;
                         search_k::Integer = SEARCH_K_DEFAULT, include_distances::Bool = false)
    n < 0 && throw(AnnoyError(2, "n must not be negative"))
    cap = capacity(idx, n)
    ids = Vector{UInt32}(undef, cap)
    dists = Vector{Float32}(undef, cap)
    count = Ref{Csize_t}(0)
    err = Ref{Ptr{CError}}(C_NULL)
    check(ccall((:annoy_query_by_item, libannoy), Cint,
                (Ptr{CIndex}, UInt32, Csize_t, Int64, Ptr{UInt32}, Ptr{Cfloat}, Csize_t,
                 Ref{Csize_t}, Ref{Ptr{CError}}),
                handle(idx), item_id(id), n, Int64(search_k), ids, dists, cap, count, err), err)
    results(ids, dists, count[], include_distances)
end

end # module
