#include "event/event_arena.h"

#include <cstring>

namespace inzage {

std::string_view EventArena::CopyString(std::string_view s) {
  if (s.empty()) return {};
  auto* p = static_cast<char*>(resource_.allocate(s.size(), 1));
  std::memcpy(p, s.data(), s.size());
  return {p, s.size()};
}

template <typename T>
std::span<const T> EventArena::CopySpan(std::span<const T> s) {
  if (s.empty()) return {};
  auto* p = static_cast<T*>(resource_.allocate(s.size_bytes(), alignof(T)));
  for (size_t i = 0; i < s.size(); ++i) new (p + i) T(s[i]);
  return {p, s.size()};
}

AccessEvent EventArena::Copy(const AccessEvent& e) {
  AccessEvent c = e;
  c.event_id = CopyString(e.event_id);
  c.municipality = CopyString(e.municipality);
  c.actor_id = CopyString(e.actor_id);
  c.system = CopyString(e.system);
  c.domain = CopyString(e.domain);
  c.purpose = CopyString(e.purpose);
  c.case_id = CopyString(e.case_id);
  c.trace_id = CopyString(e.trace_id);
  c.span_id = CopyString(e.span_id);
  c.subjects = CopySpan(e.subjects);
  auto roles = CopySpan(e.claimed_roles);
  auto* role_views = const_cast<std::string_view*>(roles.data());
  for (size_t i = 0; i < roles.size(); ++i) role_views[i] = CopyString(roles[i]);
  c.claimed_roles = roles;
  auto fields = CopySpan(e.fields);
  auto* field_views = const_cast<std::string_view*>(fields.data());
  for (size_t i = 0; i < fields.size(); ++i) field_views[i] = CopyString(fields[i]);
  c.fields = fields;
  if (e.recipient) {
    c.recipient->id = CopyString(e.recipient->id);
    c.recipient->country = CopyString(e.recipient->country);
  }
  if (e.emergency_reason) c.emergency_reason = CopyString(*e.emergency_reason);
  return c;
}

}  // namespace inzage
