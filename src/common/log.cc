#include "common/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>

namespace inzage {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};

bool NeedsQuotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      return true;
    }
  }
  return false;
}

// Appends v in double quotes; a quote, a backslash and control characters are escaped, so the
// value stays inside its quotes and on its line.
void AppendQuoted(std::string& out, std::string_view v) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : v) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          out += "\\x";
          out.push_back(kHex[(static_cast<unsigned char>(c) >> 4) & 15]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void AppendValue(std::string& out, std::string_view v) {
  if (NeedsQuotes(v)) {
    AppendQuoted(out, v);
  } else {
    out.append(v);
  }
}

}  // namespace

LogField::LogField(std::string_view key, double value) : key_(key) {
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%.6g", value);
  value_.assign(buf, static_cast<size_t>(n));
}

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warn" || name == "warning") return LogLevel::kWarn;
  if (name == "error") return LogLevel::kError;
  return std::nullopt;
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }

bool LogEnabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(); }

std::string FormatLogLine(LogLevel level, std::string_view component, std::string_view message,
                          LogFields fields) {
  std::string out;
  out.reserve(64 + message.size());
  out += "level=";
  out += LogLevelName(level);
  out += " component=";
  AppendValue(out, component);
  out += " msg=";
  AppendQuoted(out, message);
  for (const LogField& f : fields) {
    out.push_back(' ');
    out += f.key();
    out.push_back('=');
    AppendValue(out, f.value());
  }
  return out;
}

void Log(LogLevel level, std::string_view component, std::string_view message, LogFields fields) {
  if (!LogEnabled(level)) return;
  std::string line = FormatLogLine(level, component, message, fields);
  line.push_back('\n');
  // One write per line: concurrent lines never interleave. A failed write to stderr has
  // nowhere else to go.
  (void)!::write(STDERR_FILENO, line.data(), line.size());
}

bool ThrottledLog::Log(LogLevel level, std::string_view component, std::string_view message,
                       LogFields fields, Clock::time_point now) {
  std::uint64_t left_out = 0;
  {
    MutexLock lock(&mu_);
    if (last_ && now - *last_ < interval_) {
      ++left_out_;
      return false;
    }
    last_ = now;
    left_out = left_out_;
    left_out_ = 0;
  }
  if (!LogEnabled(level)) return true;
  std::string line = FormatLogLine(level, component, message, fields);
  if (left_out != 0) line += " not_logged=" + std::to_string(left_out);
  line.push_back('\n');
  (void)!::write(STDERR_FILENO, line.data(), line.size());
  return true;
}

}  // namespace inzage
