// Private to lrs_core: hand-written, allocation-free syntax checks for the string
// types of xAPI Data 4.0 (IRIs, language tags, hashes, media types). Each one is a
// pure function of its argument.
#pragma once

#include <cstddef>
#include <string_view>

namespace lrs::syntax {

// RFC 3987 absolute IRI, checked as far as xAPI needs: a scheme (ALPHA *(ALPHA / DIGIT /
// "+" / "-" / ".")), ":", a non-empty rest without spaces, controls or the characters
// RFC 3987 excludes (<>"{}|\^`), and every "%" followed by two hex digits.
bool is_absolute_iri(std::string_view text);

// "mailto:" followed by an address with a local part, "@" and a domain.
bool is_mailto_iri(std::string_view text);

// Exactly `digits` hexadecimal digits, either case.
bool is_hex(std::string_view text, std::size_t digits);

// RFC 5646 Language-Tag (section 2.1 ABNF): langtag, privateuse or grandfathered, plus
// the validity rules of 2.2.5/2.2.6 that need no registry: no repeated variant and no
// repeated extension singleton (case-insensitive).
bool is_language_tag(std::string_view tag);

// RFC 2045/6838 "type/subtype" made of token characters, optionally followed by
// ";" parameters (not checked further).
bool is_media_type(std::string_view text);

}  // namespace lrs::syntax
