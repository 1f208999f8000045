#include "kafka/kafka.h"

#include <string>
#include <string_view>

#include "common/log.h"

namespace inzage::kafka {

namespace {

// librdkafka's log lines, in the daemon's one-line key=value format (syslog levels).
void LogToStderr(const rd_kafka_t* rk, int level, const char* facility, const char* buf) {
  // syslog levels, as librdkafka uses them
  const LogLevel ours = level <= 3   ? LogLevel::kError
                        : level <= 4 ? LogLevel::kWarn
                        : level <= 6 ? LogLevel::kInfo
                                     : LogLevel::kDebug;
  Log(ours, "kafka", buf,
      {{"client", rk != nullptr ? rd_kafka_name(rk) : "-"}, {"facility", facility}});
}

}  // namespace

Config::Config() : conf_(rd_kafka_conf_new()) { rd_kafka_conf_set_log_cb(conf_, LogToStderr); }

Config::~Config() {
  if (conf_ != nullptr) rd_kafka_conf_destroy(conf_);
}

Status Config::Set(const std::string& name, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf_, name.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    return Status::InvalidArgument("kafka property " + name + ": " + err);
  }
  return Status::Ok();
}

Status Config::SetAll(const std::map<std::string, std::string>& properties) {
  for (const auto& [k, v] : properties) {
    if (Status st = Set(k, v); !st.ok()) return st;
  }
  return Status::Ok();
}

Result<Handle> Config::Create(rd_kafka_type_t type) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf_, err, sizeof err);
  if (rk == nullptr) return Status::InvalidArgument(std::string("kafka client: ") + err);
  conf_ = nullptr;  // owned by rk now
  return Handle(rk);
}

Result<std::vector<std::int32_t>> TopicPartitions(rd_kafka_t* rk, const std::string& topic,
                                                  int timeout_ms) {
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, t, &md, timeout_ms);
  rd_kafka_topic_destroy(t);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::IoError("metadata of topic " + topic + ": " + rd_kafka_err2str(err));
  }
  std::vector<std::int32_t> out;
  Status st;
  if (md->topic_cnt != 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    st = Status::NotFound("topic " + topic + " does not exist" +
                          (md->topic_cnt == 1
                               ? std::string(" (") + rd_kafka_err2str(md->topics[0].err) + ")"
                               : std::string()));
  } else {
    for (int i = 0; i < md->topics[0].partition_cnt; ++i) {
      out.push_back(md->topics[0].partitions[i].id);
    }
  }
  rd_kafka_metadata_destroy(md);
  if (!st.ok()) return st;
  return out;
}

rd_kafka_resp_err_t Produce(rd_kafka_t* producer, const std::string& topic, std::string_view key,
                            std::string_view value, const std::vector<Header>& headers,
                            void* opaque) {
  rd_kafka_headers_t* hdrs = nullptr;
  if (!headers.empty()) {
    hdrs = rd_kafka_headers_new(headers.size());
    for (const auto& h : headers) {
      rd_kafka_header_add(hdrs, h.name, -1, h.value.data(), static_cast<ssize_t>(h.value.size()));
    }
  }
  rd_kafka_resp_err_t err;
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wold-style-cast"
#pragma clang diagnostic ignored "-Wgnu-statement-expression"
#else
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#endif
  if (hdrs != nullptr) {
    err = rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic.c_str()),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                            RD_KAFKA_V_KEY(key.data(), key.size()),
                            RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                            RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
  } else {
    err = rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic.c_str()),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                            RD_KAFKA_V_KEY(key.data(), key.size()),
                            RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                            RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
  }
#if defined(__clang__)
#pragma clang diagnostic pop
#else
#pragma GCC diagnostic pop
#endif
  // On success the message owns the headers; on failure they are still ours.
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR && hdrs != nullptr) rd_kafka_headers_destroy(hdrs);
  return err;
}

rd_kafka_resp_err_t ProduceToPartition(rd_kafka_t* producer, const std::string& topic,
                                       std::int32_t partition, std::string_view key,
                                       std::optional<std::string_view> value, void* opaque) {
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wold-style-cast"
#pragma clang diagnostic ignored "-Wgnu-statement-expression"
#else
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#endif
  // A null value (no RD_KAFKA_V_VALUE) is a tombstone: compaction removes the key.
  const rd_kafka_resp_err_t err =
      value ? rd_kafka_producev(
                  producer, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key.data(), key.size()),
                  RD_KAFKA_V_VALUE(const_cast<char*>(value->data()), value->size()),
                  RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END)
            : rd_kafka_producev(
                  producer, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key.data(), key.size()),
                  RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
#if defined(__clang__)
#pragma clang diagnostic pop
#else
#pragma GCC diagnostic pop
#endif
  return err;
}

std::string ErrorText(rd_kafka_resp_err_t err) { return rd_kafka_err2str(err); }

bool IsCooperative(rd_kafka_t* consumer) {
  const char* protocol = rd_kafka_rebalance_protocol(consumer);
  return protocol != nullptr && std::string_view(protocol) == "COOPERATIVE";
}

}  // namespace inzage::kafka
