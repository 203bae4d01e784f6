// Small encodings used by the SQLite statement store. Private to lrs_sqlite.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lrs::sqlite {

// The statement body as returned: `body` (a JSON object stored without "stored") with
// `"stored":"<ISO 8601 UTC>"` added before its final '}'.
std::string with_stored(std::string_view body, std::int64_t stored_us);

// Sorted term ids <-> a compact blob (LEB128 varints of the deltas).
std::string encode_terms(const std::vector<std::int64_t>& sorted_terms);
std::vector<std::int64_t> decode_terms(std::string_view blob);

}  // namespace lrs::sqlite
