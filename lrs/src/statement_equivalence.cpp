#include "statement_equivalence.h"

#include "lrs/text.h"
#include "lrs/timestamp.h"

namespace lrs {
namespace {

using nlohmann::json;

// UUIDs are case-insensitive hex.
void lower_case_id(json& statement) {
  auto id = statement.find("id");
  if (id == statement.end() || !id->is_string()) return;
  *id = to_lower(id->get<std::string>());
}

void timestamp_as_instant(json& statement) {
  auto it = statement.find("timestamp");
  if (it == statement.end() || !it->is_string()) return;
  // The same instant written differently ("+00:00" vs "Z") is the same timestamp.
  if (auto us = parse_timestamp_us(it->get<std::string>())) *it = *us;
}

// xAPI 2.0 Data 4.2.7: precision beyond 0.01 s is not part of a duration's identity, so
// "PT1.2345S" compares as "PT1.23S".
void truncate_duration(json& statement) {
  auto result = statement.find("result");
  if (result != statement.end() && result->is_object()) {
    auto duration = result->find("duration");
    if (duration != result->end() && duration->is_string()) {
      std::string text = duration->get<std::string>();
      auto dot = text.find('.');
      if (dot != std::string::npos) {
        std::size_t digits_end = dot + 1;
        while (digits_end < text.size() &&
               std::isdigit(static_cast<unsigned char>(text[digits_end]))) {
          ++digits_end;
        }
        if (digits_end - dot - 1 > 2) text.erase(dot + 3, digits_end - dot - 3);
        *duration = text;
      }
    }
  }
  if (auto obj = statement.find("object"); obj != statement.end() && obj->is_object() &&
                                           obj->value("objectType", "") == "SubStatement") {
    truncate_duration(*obj);
  }
}

}  // namespace

void normalize_context_activities(json& statement) {
  auto ctx = statement.find("context");
  if (ctx != statement.end() && ctx->is_object()) {
    if (auto ca = ctx->find("contextActivities"); ca != ctx->end() && ca->is_object()) {
      for (auto& [kind, value] : ca->items()) {
        if (value.is_object()) value = json::array({value});
      }
    }
  }
  if (auto obj = statement.find("object"); obj != statement.end() && obj->is_object() &&
                                           obj->value("objectType", "") == "SubStatement") {
    normalize_context_activities(*obj);
  }
}

bool equivalent_statements(json a, json b) {
  if (!a.is_object() || !b.is_object()) return a == b;
  for (const char* lrs_owned : {"authority", "stored", "version"}) {
    a.erase(lrs_owned);
    b.erase(lrs_owned);
  }
  for (const char* filled_in : {"id", "timestamp"}) {
    if (a.contains(filled_in) != b.contains(filled_in)) {
      a.erase(filled_in);
      b.erase(filled_in);
    }
  }
  for (json* side : {&a, &b}) {
    lower_case_id(*side);
    timestamp_as_instant(*side);
    truncate_duration(*side);
    normalize_context_activities(*side);
  }
  return a == b;
}

}  // namespace lrs
