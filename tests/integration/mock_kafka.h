// A librdkafka mock cluster for tests: topics, a producer, and a reader of whole topics.
#pragma once

#include <librdkafka/rdkafka.h>
// clang-format off: rdkafka_mock.h needs rdkafka.h first
#include <librdkafka/rdkafka_mock.h>  // NOLINT
// clang-format on

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "kafka/kafka.h"

namespace inzage::testing {

struct ReadMessage {
  std::string key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
  std::int32_t partition = 0;
};

class MockKafka {
 public:
  explicit MockKafka(int brokers = 1) {
    kafka::Config c;
    (void)c.Set("client.id", "test-mock-owner");
    owner_ = std::move(c.Create(RD_KAFKA_PRODUCER)).value();
    cluster_ = rd_kafka_mock_cluster_new(owner_.get(), brokers);
    bootstraps_ = rd_kafka_mock_cluster_bootstraps(cluster_);
    kafka::Config pc;
    (void)pc.Set("bootstrap.servers", bootstraps_);
    (void)pc.Set("linger.ms", "2");
    producer_ = std::move(pc.Create(RD_KAFKA_PRODUCER)).value();
  }
  ~MockKafka() {
    producer_.reset();
    rd_kafka_mock_cluster_destroy(cluster_);
  }
  MockKafka(const MockKafka&) = delete;
  MockKafka& operator=(const MockKafka&) = delete;

  void CreateTopic(const std::string& name, int partitions) {
    rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, 1);
  }
  void Produce(const std::string& topic, const std::string& key, const std::string& value) {
    for (;;) {
      const rd_kafka_resp_err_t err = kafka::Produce(producer_.get(), topic, key, value);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
      rd_kafka_poll(producer_.get(), 20);
    }
  }
  void Flush() { rd_kafka_flush(producer_.get(), 30000); }

  // Every message of a topic (all partitions, from the beginning), waiting up to timeout_ms for
  // at least `expect` of them.
  std::vector<ReadMessage> ReadAll(const std::string& topic, size_t expect, int timeout_ms) {
    kafka::Config c;
    (void)c.Set("bootstrap.servers", bootstraps_);
    (void)c.Set("group.id", "test-reader");
    (void)c.Set("enable.auto.commit", "false");
    auto consumer = std::move(c.Create(RD_KAFKA_CONSUMER)).value();
    auto partitions = kafka::TopicPartitions(consumer.get(), topic, 10000);
    std::vector<ReadMessage> out;
    if (!partitions.ok()) return out;
    kafka::PartitionList list(rd_kafka_topic_partition_list_new(4));
    std::map<std::int32_t, std::int64_t> end;  // read every partition up to its end as of now
    for (auto p : *partitions) {
      rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset =
          RD_KAFKA_OFFSET_BEGINNING;
      std::int64_t low = 0, high = 0;
      for (int attempt = 0; attempt < 50; ++attempt) {
        if (rd_kafka_query_watermark_offsets(consumer.get(), topic.c_str(), p, &low, &high, 5000) ==
            RD_KAFKA_RESP_ERR_NO_ERROR) {
          break;
        }
      }
      if (high > low) end[p] = high;
    }
    rd_kafka_assign(consumer.get(), list.get());
    int idle = 0;
    // Time, not turns: a turn that reads a message costs microseconds, not the poll timeout.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline &&
           (out.size() < expect || !end.empty() || idle < 10)) {
      kafka::Message m(rd_kafka_consumer_poll(consumer.get(), 100));
      if (!m || m->err) {
        ++idle;
        continue;
      }
      idle = 0;
      if (auto it = end.find(m->partition); it != end.end() && m->offset + 1 >= it->second) {
        end.erase(it);
      }
      ReadMessage r;
      r.key.assign(static_cast<const char*>(m->key), m->key_len);
      r.value.assign(static_cast<const char*>(m->payload), m->len);
      r.partition = m->partition;
      rd_kafka_headers_t* headers = nullptr;
      if (rd_kafka_message_headers(m.get(), &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* value;
        size_t size;
        for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) ==
                           RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i) {
          r.headers.emplace_back(name, std::string(static_cast<const char*>(value), size));
        }
      }
      out.push_back(std::move(r));
    }
    rd_kafka_consumer_close(consumer.get());
    return out;
  }

  // The sum of a consumer group's committed offsets over a topic's partitions (-1 if none).
  std::int64_t CommittedSum(const std::string& group, const std::string& topic) {
    kafka::Config c;
    (void)c.Set("bootstrap.servers", bootstraps_);
    (void)c.Set("group.id", group);
    (void)c.Set("enable.auto.commit", "false");
    auto consumer = std::move(c.Create(RD_KAFKA_CONSUMER)).value();
    auto partitions = kafka::TopicPartitions(consumer.get(), topic, 10000);
    if (!partitions.ok()) return -1;
    kafka::PartitionList list(rd_kafka_topic_partition_list_new(4));
    for (auto p : *partitions) rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p);
    if (rd_kafka_committed(consumer.get(), list.get(), 5000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return -1;
    }
    std::int64_t sum = 0;
    for (int i = 0; i < list->cnt; ++i) sum += std::max<std::int64_t>(0, list->elems[i].offset);
    rd_kafka_consumer_close(consumer.get());
    return sum;
  }

  // Reads topics continuously in a background thread, from the beginning, keeping every
  // message: the mock cluster evicts old message sets from a partition, so tests that check a
  // topic's whole content read it while it is being written.
  class Collector {
   public:
    Collector(const std::string& bootstraps, const std::vector<std::string>& topics) {
      kafka::Config c;
      (void)c.Set("bootstrap.servers", bootstraps);
      (void)c.Set("group.id", "test-collector");
      (void)c.Set("enable.auto.commit", "false");
      consumer_ = std::move(c.Create(RD_KAFKA_CONSUMER)).value();
      kafka::PartitionList list(rd_kafka_topic_partition_list_new(4));
      for (const auto& t : topics) {
        auto partitions = kafka::TopicPartitions(consumer_.get(), t, 10000);
        if (!partitions.ok()) continue;
        for (auto p : *partitions) {
          rd_kafka_topic_partition_list_add(list.get(), t.c_str(), p)->offset =
              RD_KAFKA_OFFSET_BEGINNING;
          next_offset_[{t, p}] = 0;
        }
      }
      rd_kafka_assign(consumer_.get(), list.get());
      thread_ = std::thread([this] {
        while (!stop_.load()) {
          kafka::Message m(rd_kafka_consumer_poll(consumer_.get(), 100));
          if (!m || m->err) continue;
          {
            std::lock_guard lock(mu_);
            next_offset_[{rd_kafka_topic_name(m->rkt), m->partition}] = m->offset + 1;
            messages_[rd_kafka_topic_name(m->rkt)].push_back(
                {std::string(static_cast<const char*>(m->key), m->key_len),
                 std::string(static_cast<const char*>(m->payload), m->len),
                 {},
                 m->partition});
          }
          read_.notify_all();
        }
      });
    }
    ~Collector() { Stop(); }
    void Stop() {
      stop_ = true;
      if (thread_.joinable()) thread_.join();
    }
    std::vector<ReadMessage> Messages(const std::string& topic) {
      std::lock_guard lock(mu_);
      return messages_[topic];
    }
    // Waits until every partition has been read up to its end as the broker reports it now
    // (what was produced and acknowledged before the call); false when `timeout` passes first.
    bool WaitCaughtUp(std::chrono::seconds timeout) {
      const auto deadline = std::chrono::steady_clock::now() + timeout;
      std::map<std::pair<std::string, std::int32_t>, std::int64_t> ends;
      {
        std::lock_guard lock(mu_);
        for (const auto& [tp, next] : next_offset_) ends[tp] = -1;
      }
      for (auto& [tp, end] : ends) {
        std::int64_t low = 0;
        if (rd_kafka_query_watermark_offsets(consumer_.get(), tp.first.c_str(), tp.second, &low,
                                             &end, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
          return false;
        }
      }
      std::unique_lock lock(mu_);
      return read_.wait_until(lock, deadline, [&] {
        for (const auto& [tp, end] : ends) {
          if (next_offset_[tp] < end) return false;
        }
        return true;
      });
    }

   private:
    kafka::Handle consumer_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    std::mutex mu_;
    std::condition_variable read_;  // a message was added
    std::map<std::string, std::vector<ReadMessage>> messages_;
    std::map<std::pair<std::string, std::int32_t>, std::int64_t> next_offset_;  // read up to
  };

  rd_kafka_mock_cluster_t* cluster() { return cluster_; }
  const std::string& bootstraps() const { return bootstraps_; }

 private:
  kafka::Handle owner_;
  rd_kafka_mock_cluster_t* cluster_;
  std::string bootstraps_;
  kafka::Handle producer_;
};

}  // namespace inzage::testing
