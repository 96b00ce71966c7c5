# Build step of the top-level CMakeLists.txt, run as `cmake -D... -P cargo_build.cmake`:
#   1. cargo builds capi/ (libannoy.so and libannoy.a) and rustc prints the native libraries
#      the static archive needs (`--print native-static-libs`);
#   2. the libraries are copied into STAGE_DIR stripped (the shared one as dh_strip does:
#      --strip-unneeded, keeping the dynamic symbols; the archive --strip-debug);
#   3. those native libraries are written where the CMake package and annoy.pc read them.
# Inputs (-D): CARGO, MANIFEST, TARGET_DIR, RUST_TARGET (may be empty), STAGE_DIR, REALNAME,
# STRIP, LIBS_FILE, PC_IN, PC_OUT, LINKER (cross builds); or PREBUILT_DIR and RUSTC to stage libraries built elsewhere.
cmake_minimum_required(VERSION 3.16)

set(_target_args "")
if(RUST_TARGET)
  set(_target_args --target "${RUST_TARGET}")
  set(_out "${TARGET_DIR}/${RUST_TARGET}/release")
else()
  set(_out "${TARGET_DIR}/release")
endif()
set(_cargo_args rustc --release --manifest-path "${MANIFEST}" --lib ${_target_args})

set(_linker_env "")
if(RUST_TARGET AND LINKER)
  # cross builds link with the C compiler CMake was given for that target
  string(TOUPPER "${RUST_TARGET}" _t)
  string(REPLACE "-" "_" _t "${_t}")
  set(_linker_env "CARGO_TARGET_${_t}_LINKER=${LINKER}")
endif()

function(_annoy_cargo out_libs)
  # Debug info is dropped in the build itself (the installed files are stripped anyway);
  # this is the only difference from a plain `cargo build --release`.
  execute_process(
    COMMAND "${CMAKE_COMMAND}" -E env "CARGO_TARGET_DIR=${TARGET_DIR}" CARGO_PROFILE_RELEASE_DEBUG=0
            ${_linker_env} "${CARGO}" ${_cargo_args} -- --print native-static-libs
    RESULT_VARIABLE _rc
    ERROR_VARIABLE _err
    ECHO_ERROR_VARIABLE)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "cargo failed (exit ${_rc})")
  endif()
  set(_libs "")
  if(_err MATCHES "native-static-libs: ([^\r\n]*)")
    set(_libs "${CMAKE_MATCH_1}")
  endif()
  set(${out_libs} "${_libs}" PARENT_SCOPE)
endfunction()

if(PREBUILT_DIR)
  # Libraries built elsewhere: rustc names what its standard library needs, from an empty
  # static library for the same target (the crate's own dependencies link no native library).
  set(_out "${PREBUILT_DIR}")
  file(WRITE "${STAGE_DIR}/probe/probe.rs" "")
  execute_process(
    COMMAND "${RUSTC}" --crate-type staticlib --crate-name annoy_probe ${_target_args}
            --print native-static-libs -o "${STAGE_DIR}/probe/libannoy_probe.a"
            "${STAGE_DIR}/probe/probe.rs"
    RESULT_VARIABLE _rc
    ERROR_VARIABLE _err)
  if(NOT _rc EQUAL 0 OR NOT _err MATCHES "native-static-libs: ([^\r\n]*)")
    message(FATAL_ERROR "${RUSTC} --print native-static-libs failed: ${_err}")
  endif()
  set(_libs "${CMAKE_MATCH_1}")
  file(REMOVE_RECURSE "${STAGE_DIR}/probe")
else()
  _annoy_cargo(_libs)
endif()
if(_libs STREQUAL "" AND NOT EXISTS "${LIBS_FILE}")
  # cargo replays rustc's messages when it finds nothing to do; should it not have, and the
  # list from the build that did run is gone, rebuild this one crate to hear it again.
  execute_process(
    COMMAND "${CMAKE_COMMAND}" -E env "CARGO_TARGET_DIR=${TARGET_DIR}"
            "${CARGO}" clean --release --manifest-path "${MANIFEST}" -p annoy-capi
            ${_target_args})
  _annoy_cargo(_libs)
  if(_libs STREQUAL "")
    message(FATAL_ERROR "rustc printed no native-static-libs line")
  endif()
endif()

# ---- stripped copies ----
file(MAKE_DIRECTORY "${STAGE_DIR}")
function(_annoy_stage src dst strip_flag)
  if(NOT EXISTS "${dst}" OR "${src}" IS_NEWER_THAN "${dst}")
    file(COPY_FILE "${src}" "${dst}.tmp")
    execute_process(COMMAND "${STRIP}" ${strip_flag} "${dst}.tmp" RESULT_VARIABLE _rc)
    if(NOT _rc EQUAL 0)
      message(FATAL_ERROR "${STRIP} ${strip_flag} ${dst}.tmp failed")
    endif()
    file(RENAME "${dst}.tmp" "${dst}")
  endif()
endfunction()
_annoy_stage("${_out}/libannoy.so" "${STAGE_DIR}/${REALNAME}" --strip-unneeded)
_annoy_stage("${_out}/libannoy.a" "${STAGE_DIR}/libannoy.a" --strip-debug)

# ---- the static archive's native dependencies ----
if(NOT _libs STREQUAL "")
  string(REGEX REPLACE "[ \t]+" ";" _flags "${_libs}")
  set(_names "")
  foreach(_f IN LISTS _flags)
    string(REGEX REPLACE "^-l" "" _n "${_f}")
    list(APPEND _names "${_n}")
  endforeach()
  file(WRITE "${LIBS_FILE}.tmp"
    "# Written by cargo_build.cmake from `rustc --print native-static-libs`.\n"
    "set(ANNOY_NATIVE_STATIC_LIBS \"${_names}\")\n"
    "set(ANNOY_NATIVE_STATIC_FLAGS \"${_libs}\")\n")
  file(COPY_FILE "${LIBS_FILE}.tmp" "${LIBS_FILE}" ONLY_IF_DIFFERENT)
  file(REMOVE "${LIBS_FILE}.tmp")
endif()
include("${LIBS_FILE}")
set(ANNOY_PC_LIBS_PRIVATE "${ANNOY_NATIVE_STATIC_FLAGS}")
configure_file("${PC_IN}" "${PC_OUT}" @ONLY)
