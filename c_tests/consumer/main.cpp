// A first C++17 program against the installed package: builds, saves, reopens and queries an
// index through the header-only wrapper annoy.hpp, and checks that misuse throws with the
// status. Exits non-zero on any failure.
#include <annoy.hpp>

#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char **argv) {
    const std::string path = std::string(argc > 1 ? argv[1] : ".") + "/consumer_cpp.ann";
    annoy::Index index(annoy::Metric::Angular, 3);
    index.add(0, std::vector<float>{1, 0, 0});
    index.add(1, std::vector<float>{0, 1, 0});
    index.add(2, std::vector<float>{0.9f, 0.1f, 0});
    index.build(4);
    index.save(path);
    const annoy::Index loaded = annoy::Index::open(annoy::Metric::Angular, 3, path);
    const annoy::Neighbors hits = loaded.query(std::vector<float>{1, 0, 0}, 2);
    int failures = 0;
    if (hits.ids != std::vector<uint32_t>{0, 2}) {
        std::fprintf(stderr, "consumer_cpp: FAIL nearest are not 0, 2\n");
        failures++;
    }
    try {
        loaded.query(std::vector<float>{1, 0}, 2);
        std::fprintf(stderr, "consumer_cpp: FAIL wrong dimension did not throw\n");
        failures++;
    } catch (const annoy::Error &e) {
        if (e.status() != ANNOY_E_DIMENSION) {
            std::fprintf(stderr, "consumer_cpp: FAIL status %d: %s\n", e.status(), e.what());
            failures++;
        }
    }
    std::remove(path.c_str());
    std::printf("consumer_cpp: annoy %s, nearest to (1,0,0): %u %u; %s\n", annoy::version(),
                hits.ids.at(0), hits.ids.at(1), failures ? "FAILED" : "ok");
    return failures != 0;
}
