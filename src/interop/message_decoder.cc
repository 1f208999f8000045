#include "interop/message_decoder.h"

#include "interop/decoder_impl.h"

namespace inzage {
MessageDecoder::MessageDecoder(InputFormat format, const Pseudonymizer* pseudonymizer)
    : format_(format), native_(pseudonymizer) {
  if (format_ != InputFormat::kInzage) {
    impl_ = std::make_unique<Impl>(pseudonymizer, &policy_);
  }
}

MessageDecoder::~MessageDecoder() = default;

std::string_view MessageDecoder::last_event_id() const { return native_.last_event_id(); }

Status MessageDecoder::Decode(std::string_view message, const Policy& policy, RecordSink* sink,
                              DecodeCounts* counts) {
  DecodeCounts local;
  DecodeCounts* c = counts != nullptr ? counts : &local;
  *c = DecodeCounts{};
  policy_ = &policy;
  switch (format_) {
    case InputFormat::kInzage: {
      AccessEvent event;
      if (Status st = native_.Parse(message, &event); !st.ok()) return st;
      c->records = c->accesses = 1;
      sink->Access(event);
      return Status::Ok();
    }
    case InputFormat::kOtlpProto:
      return impl_->DecodeOtlpProto(message, sink, c);
    case InputFormat::kOtlpJson:
      return impl_->DecodeOtlpJson(message, sink, c);
    case InputFormat::kVng:
      return impl_->DecodeVng(message, sink, c);
  }
  return Status::Internal("unknown input format");
}

}  // namespace inzage
