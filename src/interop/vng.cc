// VNG verwerkingenlogging: one Verwerkingsactie (the body of POST /verwerkingsacties of the
// Bewerking API 0.9.0, VerwerkingsactieUitgebreidBasis, or the stored VerwerkingsactieUitgebreid)
// per message. gebruiker is the actor; verwerkteObjecten with soortObjectId BSN are the
// subjects; verwerkingsactiviteitId (or the id at the end of verwerkingsactiviteitUrl) is the
// activity; vertrouwelijkheid "vertrouwelijk" makes the access confidential; tijdstip is the
// time; uitvoerder (an OIN) the controller; actieNaam the action; soortGegeven the categories.
#include <cstring>

#include "common/hex.h"
#include "common/sha256.h"
#include "event/bsn.h"
#include "interop/decoder_impl.h"

namespace inzage {
namespace {

namespace dom = simdjson::dom;

}  // namespace

Status MessageDecoder::Impl::DecodeVng(std::string_view message, RecordSink* sink,
                                       DecodeCounts* counts) {
  if (message.size() > EventParser::kMaxMessageBytes) {
    return Status::InvalidArgument("message exceeds 1 MiB");
  }
  const size_t needed = message.size() + simdjson::SIMDJSON_PADDING;
  if (padded_.size() < needed) padded_.resize(needed);
  std::memcpy(padded_.data(), message.data(), message.size());
  std::memset(padded_.data() + message.size(), 0, simdjson::SIMDJSON_PADDING);
  dom::element root;
  if (auto err = json_.parse(padded_.data(), message.size(), false).get(root);
      err != simdjson::SUCCESS) {
    return Status::InvalidArgument(std::string("malformed JSON: ") + simdjson::error_message(err));
  }
  dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    return Status::InvalidArgument("message must be a JSON object (a Verwerkingsactie)");
  }
  ++counts->records;
  std::string_view actie_id, gebruiker, activity_id, activity_url, vertrouwelijkheid, tijdstip,
      uitvoerder, systeem, gegevensbron, actie_naam;
  dom::array objects;
  bool has_objects = false;
  const auto field_string = [&](std::string_view key, dom::element v, std::string_view* out) {
    if (v.is_null()) return true;
    if (v.get_string().get(*out) == simdjson::SUCCESS) return true;
    reason_.assign(key).append(" must be a string");
    return false;
  };
  where_.assign("record");
  event_id_.clear();
  const auto invalid = [&](std::string_view reason) {
    ++counts->invalid;
    sink->Invalid(InvalidRecord{where_, event_id_, reason});
  };
  for (dom::key_value_pair f : obj) {
    const std::string_view k = f.key;
    std::string_view* out = nullptr;
    if (k == "actieId") out = &actie_id;
    if (k == "gebruiker") out = &gebruiker;
    if (k == "verwerkingsactiviteitId") out = &activity_id;
    if (k == "verwerkingsactiviteitUrl") out = &activity_url;
    if (k == "vertrouwelijkheid") out = &vertrouwelijkheid;
    if (k == "tijdstip") out = &tijdstip;
    if (k == "uitvoerder") out = &uitvoerder;
    if (k == "systeem") out = &systeem;
    if (k == "gegevensbron") out = &gegevensbron;
    if (k == "actieNaam") out = &actie_naam;
    if (out != nullptr) {
      if (!field_string(k, f.value, out)) return invalid(reason_), Status::Ok();
    } else if (k == "verwerkteObjecten") {
      if (f.value.get_array().get(objects) != simdjson::SUCCESS) {
        return invalid("verwerkteObjecten must be an array"), Status::Ok();
      }
      has_objects = true;
    }
  }
  // The id: the log's actieId when the source has one, else the message's digest, so that a
  // redelivered message gets the same id.
  if (!actie_id.empty() && actie_id.size() <= 128) {
    event_id_.assign(actie_id);
  } else {
    const Sha256Digest digest = Sha256(message);
    event_id_.assign("vng-").append(HexOf(digest.data(), 16));
  }
  if (tijdstip.empty()) return invalid("tijdstip is missing"), Status::Ok();
  const auto time = ParseRfc3339(tijdstip);
  if (!time) {
    reason_.assign("tijdstip ").append(SafeQuote(tijdstip)).append(" is not an RFC 3339 time");
    return invalid(reason_), Status::Ok();
  }
  if (gebruiker.empty()) return invalid("gebruiker is missing: no actor"), Status::Ok();
  if (gebruiker.size() > 128) {
    return invalid("gebruiker must be at most 128 characters"), Status::Ok();
  }
  bool confidential = false;
  if (vertrouwelijkheid == "vertrouwelijk") {
    confidential = true;
  } else if (!vertrouwelijkheid.empty() && vertrouwelijkheid != "normaal" &&
             vertrouwelijkheid != "opgeheven") {
    reason_.assign("vertrouwelijkheid ")
        .append(SafeQuote(vertrouwelijkheid))
        .append(" is not one of normaal, vertrouwelijk, opgeheven");
    return invalid(reason_), Status::Ok();
  }
  std::string_view activity_field = "verwerkingsactiviteitId";
  if (activity_id.empty() && !activity_url.empty()) {
    // .../verwerkingsactiviteiten/{uuid}: the id is the last path segment.
    std::string_view url = activity_url;
    while (!url.empty() && url.back() == '/') url.remove_suffix(1);
    activity_id = url.substr(url.rfind('/') + 1);
    activity_field = "verwerkingsactiviteitUrl";
  }
  if (activity_id.empty()) {
    return invalid("verwerkingsactiviteitId and verwerkingsactiviteitUrl are missing"),
           Status::Ok();
  }
  if (!has_objects) return invalid("verwerkteObjecten is missing: no subject"), Status::Ok();
  subjects_.clear();
  categories_.clear();
  size_t index = 0;
  for (dom::element o : objects) {
    const std::string prefix = "verwerkteObjecten[" + std::to_string(index++) + "]";
    std::string_view type, soort, id;
    if (o["objecttype"].get_string().get(type) == simdjson::SUCCESS && type != "persoon") {
      reason_.assign(prefix)
          .append(".objecttype ")
          .append(SafeQuote(type))
          .append(" is not persoon");
      return invalid(reason_), Status::Ok();
    }
    if (o["soortObjectId"].get_string().get(soort) != simdjson::SUCCESS) {
      reason_.assign(prefix).append(".soortObjectId is missing");
      return invalid(reason_), Status::Ok();
    }
    if (soort != "BSN" && soort != "bsn") {
      reason_.assign(prefix)
          .append(".soortObjectId ")
          .append(SafeQuote(soort, 80))
          .append(" is not a type inzage knows (BSN)");
      return invalid(reason_), Status::Ok();
    }
    if (o["objectId"].get_string().get(id) != simdjson::SUCCESS) {
      reason_.assign(prefix).append(".objectId is missing");
      return invalid(reason_), Status::Ok();
    }
    NormalisedBsn bsn{};
    if (const char* why = CheckBsn(id, &bsn); why != nullptr) {
      reason_.assign(prefix).append(".objectId: ").append(why);
      return invalid(reason_), Status::Ok();
    }
    if (subjects_.size() >= EventParser::kMaxSubjects) {
      return invalid("verwerkteObjecten must have at most 10000 items"), Status::Ok();
    }
    subjects_.push_back(pseudonymizer_->Pseudonymise(std::string_view(bsn.data(), bsn.size())));
    bsn.fill('\0');
    dom::array soorten;
    if (o["verwerkteSoortenGegevens"].get_array().get(soorten) == simdjson::SUCCESS) {
      for (dom::element g : soorten) {
        std::string_view name;
        if (g["soortGegeven"].get_string().get(name) != simdjson::SUCCESS) continue;
        if (std::find(categories_.begin(), categories_.end(), name) == categories_.end() &&
            categories_.size() < 64) {
          categories_.push_back(name);
        }
      }
    }
  }
  if (subjects_.empty()) return invalid("verwerkteObjecten is empty: no subject"), Status::Ok();

  SourceRecord r;
  r.event_id = event_id_;
  r.time = *time;
  r.activity_kind = SourceRecord::ActivityRef::kVngId;
  r.activity = activity_id;
  r.activity_field = activity_field;
  r.controller = uitvoerder;
  r.controller_field = "uitvoerder";
  r.actor_id = gebruiker;
  r.action_name = actie_naam;
  r.action_field = "actieNaam";
  r.categories = categories_;
  r.categories_field = "verwerkteSoortenGegevens";
  r.system = !systeem.empty() ? systeem.substr(0, 128)
                              : (!gegevensbron.empty() ? gegevensbron.substr(0, 128)
                                                       : std::string_view("vng-verwerkingsactie"));
  r.subjects = subjects_;
  r.confidential = confidential;
  AccessEvent event;
  if (Status st = MapToAccess(**policy_, r, &event); !st.ok()) {
    reason_ = st.message();
    return invalid(reason_), Status::Ok();
  }
  ++counts->accesses;
  sink->Access(event);
  return Status::Ok();
}

}  // namespace inzage
