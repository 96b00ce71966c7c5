// The public header used from C++11 (built with -std=c++11 -Wall -Wextra -Werror -pedantic):
// extern "C" linkage, enum usable as a C++ type, opaque handles in a unique_ptr with the
// library's free function as deleter.
#include "annoy.h"

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>

static_assert(ANNOY_OK == 0, "ANNOY_OK must be 0");
static_assert(std::is_same<decltype(annoy_status_str(0)), const char *>::value,
              "annoy_status_str returns const char *");
static_assert(std::is_same<decltype(&annoy_free), void (*)(annoy_index *)>::value,
              "annoy_free takes the handle");

namespace {
struct index_deleter {
    void operator()(annoy_index *p) const { annoy_free(p); }
};
struct error_deleter {
    void operator()(annoy_error *p) const { annoy_error_free(p); }
};
using index_ptr = std::unique_ptr<annoy_index, index_deleter>;
using error_ptr = std::unique_ptr<annoy_error, error_deleter>;
}  // namespace

int main() {
    int failures = 0;
    const std::string want = std::to_string(ANNOY_VERSION_MAJOR) + "." +
                             std::to_string(ANNOY_VERSION_MINOR) + "." +
                             std::to_string(ANNOY_VERSION_PATCH);
    if (want != annoy_version()) {
        std::fprintf(stderr, "FAIL: annoy_version() = %s, header says %s\n", annoy_version(),
                     want.c_str());
        failures++;
    }

    annoy_index *raw = nullptr;
    annoy_error *raw_err = nullptr;
    annoy_status s = annoy_new(ANNOY_METRIC_EUCLIDEAN, 2, &raw, &raw_err);
    index_ptr index(raw);
    error_ptr err(raw_err);
    const float a[2] = {0.0f, 0.0f}, b[2] = {3.0f, 4.0f};
    if (s != ANNOY_OK || annoy_add(index.get(), 0, a, 2, nullptr) != ANNOY_OK ||
        annoy_add(index.get(), 1, b, 2, nullptr) != ANNOY_OK ||
        annoy_build(index.get(), 2, 1, nullptr) != ANNOY_OK) {
        std::fprintf(stderr, "FAIL: building a two-item index\n");
        failures++;
    }
    float d = 0.0f;
    if (annoy_distance(index.get(), 0, 1, &d, nullptr) != ANNOY_OK || d != 5.0f) {
        std::fprintf(stderr, "FAIL: distance(0, 1) = %g, expected 5\n", static_cast<double>(d));
        failures++;
    }
    // errors through the C++ wrapper types
    raw = nullptr;
    raw_err = nullptr;
    s = annoy_new(42, 2, &raw, &raw_err);
    error_ptr unknown(raw_err);
    if (s != ANNOY_E_UNKNOWN_METRIC || raw != nullptr || !unknown ||
        std::strlen(annoy_error_message(unknown.get())) == 0) {
        std::fprintf(stderr, "FAIL: annoy_new(42, ...) gave %d\n", static_cast<int>(s));
        failures++;
    }
    std::printf("test_header (C++11): %d failed\n", failures);
    return failures != 0;
}
