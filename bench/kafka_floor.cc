// The "floor" of the end-to-end benchmark (issue: inzaged): the same messages consumed from the
// same broker in a consumer group and written to RocksDB in batches with the WAL on, with no
// parsing and no policy. inzaged's throughput is compared against this, measured in the same
// run (bench/kafka_e2e_bench.sh).
// Usage: kafka_floor BOOTSTRAP TOPIC GROUP EVENTS DB_DIR
#include <rocksdb/db.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "kafka/kafka.h"

int main(int argc, char** argv) {
  using namespace inzage;
  if (argc != 6) {
    std::fprintf(stderr, "usage: kafka_floor BOOTSTRAP TOPIC GROUP EVENTS DB_DIR\n");
    return 2;
  }
  const std::string topic = argv[2];
  const std::uint64_t events = std::stoull(argv[4]);
  std::filesystem::remove_all(argv[5]);
  rocksdb::Options options;
  options.create_if_missing = true;
  options.level_compaction_dynamic_level_bytes = true;
  options.compression = rocksdb::kLZ4Compression;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(options, argv[5], &raw).ok()) return 1;
  std::unique_ptr<rocksdb::DB> db(raw);

  kafka::Config c;
  for (const auto& [k, v] :
       std::map<std::string, std::string>{{"bootstrap.servers", argv[1]},
                                          {"group.id", argv[3]},
                                          {"enable.auto.commit", "false"},
                                          {"auto.offset.reset", "earliest"},
                                          {"queued.max.messages.kbytes", kafka::kPrefetchMaxKbytes},
                                          {"queued.min.messages", kafka::kPrefetchMinMessages}}) {
    if (!c.Set(k, v).ok()) return 1;
  }
  auto consumer = std::move(c.Create(RD_KAFKA_CONSUMER)).value();
  rd_kafka_poll_set_consumer(consumer.get());
  kafka::PartitionList topics(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(topics.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(consumer.get(), topics.get());

  std::uint64_t seen = 0;
  rocksdb::WriteBatch batch;
  std::chrono::steady_clock::time_point first, last;
  while (seen < events) {
    kafka::Message m(rd_kafka_consumer_poll(consumer.get(), 100));
    if (m && !m->err) {
      if (seen == 0) first = std::chrono::steady_clock::now();
      char key[24];
      const int n = std::snprintf(key, sizeof key, "%d/%lld", m->partition,
                                  static_cast<long long>(m->offset));
      batch.Put(rocksdb::Slice(key, static_cast<size_t>(n)),
                rocksdb::Slice(static_cast<const char*>(m->payload), m->len));
      ++seen;
    }
    if (batch.Count() >= 5000 || (seen == events && batch.Count() > 0)) {
      if (!db->Write(rocksdb::WriteOptions(), &batch).ok()) return 1;
      batch.Clear();
      rd_kafka_commit(consumer.get(), nullptr, 1);
    }
  }
  last = std::chrono::steady_clock::now();
  const double s = std::chrono::duration<double>(last - first).count();
  std::printf("floor: %llu messages in %.2f s = %.0f messages/s (consume + RocksDB, WAL on)\n",
              static_cast<unsigned long long>(seen), s, static_cast<double>(seen) / s);
  rd_kafka_consumer_close(consumer.get());
  return 0;
}
