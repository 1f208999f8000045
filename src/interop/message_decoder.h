// MessageDecoder: one message of an input topic, in any InputFormat, into the access events it
// holds and the records that could not become one, each with its reason.
//
// One message may hold many records: the OpenTelemetry Collector's Kafka exporter writes one
// ExportTraceServiceRequest per message, with as many spans as its batch had. Each span that
// is an LDV record (it carries a dpl.core.* attribute) becomes one access of its
// dpl.core.data_subject_id; a span without dpl.core.* attributes is ordinary tracing and is
// passed over. A VNG Verwerkingsactie is one record with one or more subjects; an inzage access
// event is one record. docs/interop.md follows one message of each format to its decision.
//
// Event ids are deterministic, so that a redelivered message stores nothing twice: an LDV span's
// is its trace id and span id in hex (48 digits), a Verwerkingsactie's its actieId, or, when the
// source sends none, "vng-" and the first 16 bytes of the SHA-256 of the message in hex.
//
// Who acted: LDV keeps users out of its core record, so the actor comes from the first of these
// that the span has (docs/interop.md, "Who acted"): the NEN 7513 extension's dpl.nen7513.users
// (the user with userIsRequestor true, else the first; userID, roleIDCode), then OpenTelemetry's
// enduser.id, user.id, enduser.pseudo.id, user.name. A span with none of them is never decided:
// it is an invalid record naming what is missing.
//
// Limits: a message of at most kMaxMessageBytes (an inzage event: 1 MiB, as before) and at most
// kMaxRecords records; memory follows the message (the decoded request lives in an arena that is
// reset for the next message).
//
// Ownership: owns its parsers and buffers; the events and records handed to the sink view them
// and are valid during the call only. The Pseudonymizer is the caller's and must outlive it.
// Thread safety: not thread-safe; one decoder per thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/pseudonym.h"
#include "common/status.h"
#include "event/access_event.h"
#include "event/event_parser.h"
#include "interop/input_format.h"
#include "policy/policy.h"

namespace inzage {

// A record of a message that did not become an access.
struct InvalidRecord {
  std::string_view where;     // "span 00f067aa0ba902b7 of trace 4bf9...", "record"
  std::string_view event_id;  // the id it would have had, when known
  std::string_view reason;    // never holds a BSN (digit runs are redacted)
};

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // A record that became an access event; `event` is valid during the call.
  virtual void Access(const AccessEvent& event) = 0;
  // A record that did not.
  virtual void Invalid(const InvalidRecord& record) = 0;
};

struct DecodeCounts {
  size_t records = 0;   // records the message held (LDV: spans with dpl.core.* attributes)
  size_t accesses = 0;  // handed to Access
  size_t invalid = 0;   // handed to Invalid
  size_t skipped = 0;   // passed over: spans that are no LDV record, or (interop.without_subject:
                        // skip) LDV spans without a data subject
};

class MessageDecoder {
 public:
  // An OTLP request of 10,000 spans of about 400 bytes is 4 MB; the Collector's exporter
  // defaults to 1 MB messages, brokers to at most 1 MB unless raised.
  static constexpr size_t kMaxOtlpMessageBytes = 16 << 20;
  static constexpr size_t kMaxRecords = 100'000;

  MessageDecoder(InputFormat format, const Pseudonymizer* pseudonymizer);
  ~MessageDecoder();
  MessageDecoder(const MessageDecoder&) = delete;
  MessageDecoder& operator=(const MessageDecoder&) = delete;

  [[nodiscard]] InputFormat format() const { return format_; }

  // Decodes one message. A non-OK status means the message as a whole is unreadable (not JSON,
  // truncated protobuf, too large); then nothing was handed to the sink, and the status names
  // the reason. Otherwise every record went to Access or Invalid, in message order.
  [[nodiscard]] Status Decode(std::string_view message, const Policy& policy, RecordSink* sink,
                              DecodeCounts* counts = nullptr);

  // The event id of an inzage event that failed to parse, for its invalid decision (empty when
  // unknown); valid until the next Decode.
  [[nodiscard]] std::string_view last_event_id() const;

  class Impl;

 private:
  const InputFormat format_;
  const Policy* policy_ = nullptr;  // of the Decode in progress
  EventParser native_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace inzage
