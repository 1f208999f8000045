#include <cstdio>

#include "app/commands.h"
#include "app/world_generator.h"
#include "common/time.h"

namespace inzage::app {

int Generate(const GenerateOptions& o) {
  auto start = ParseRfc3339(o.start);
  if (!start) {
    std::fprintf(stderr, "inzage generate: --start %s is not an RFC 3339 time\n", o.start.c_str());
    return 1;
  }
  if (o.employees + o.citizens > WorldGenerator::kMaxPeople) {
    std::fprintf(stderr,
                 "inzage generate: at most %d employees and citizens together (the "
                 "9999xxxxx test range of BSNs)\n",
                 WorldGenerator::kMaxPeople);
    return 1;
  }
  WorldGenerator::Options options;
  options.employees = o.employees;
  options.citizens = o.citizens;
  options.start_micros = *start;
  options.seed = o.seed;
  WorldGenerator gen(options);
  FILE* ref = std::fopen(o.reference_out.c_str(), "wb");
  if (ref == nullptr) {
    std::fprintf(stderr, "inzage generate: cannot write %s\n", o.reference_out.c_str());
    return 1;
  }
  for (const auto& record : gen.ReferenceRecords()) std::fprintf(ref, "%s\n", record.c_str());
  if (std::fclose(ref) != 0) return 1;
  FILE* events = o.events_out == "-" ? stdout : std::fopen(o.events_out.c_str(), "wb");
  if (events == nullptr) {
    std::fprintf(stderr, "inzage generate: cannot write %s\n", o.events_out.c_str());
    return 1;
  }
  for (long long i = 0; i < o.events; ++i) {
    const std::string line = gen.NextEvent();
    std::fwrite(line.data(), 1, line.size(), events);
    std::fputc('\n', events);
  }
  const bool ok = std::fflush(events) == 0 && !std::ferror(events);
  if (events != stdout) std::fclose(events);
  if (!ok) {
    std::fprintf(stderr, "inzage generate: writing %s failed\n", o.events_out.c_str());
    return 1;
  }
  std::fprintf(stderr,
               "inzage generate: %zu reference records in %s, %lld events in %s (seed %u)\n",
               gen.ReferenceRecords().size(), o.reference_out.c_str(), o.events,
               o.events_out == "-" ? "standard output" : o.events_out.c_str(), o.seed);
  return 0;
}

}  // namespace inzage::app
