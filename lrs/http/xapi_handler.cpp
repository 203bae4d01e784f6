#include "lrs/xapi_handler.h"

#include <algorithm>
#include <vector>

#include <nlohmann/json.hpp>

#include "json_parse.h"
#include "lrs/json_text.h"
#include "lrs/multipart.h"
#include "lrs/text.h"
#include "lrs/timestamp.h"
#include "lrs/url.h"

namespace lrs {
namespace {

using nlohmann::json;

constexpr std::string_view kVersionHeader = "x-experience-api-version";

HttpResponse json_response(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.set_header("Content-Type", "application/json");
  return r;
}

HttpResponse invalid(std::string message) {
  return error_response({ErrorCode::kInvalid, std::move(message)});
}

// nlohmann's parser recurses per nesting level; a hostile body of a million '[' would
// exhaust the stack, so depth is checked first with a flat scan.
bool nesting_within(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return false;
    } else if (c == '}' || c == ']') {
      if (depth > 0) --depth;
    }
  }
  return true;
}

std::string_view media_type(std::string_view content_type) {
  auto semi = content_type.find(';');
  std::string_view type = content_type.substr(0, semi);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return type;
}

Result<json> parse_json_text(std::string_view text, std::size_t max_depth, const char* what) {
  if (text.empty()) return fail(ErrorCode::kInvalid, std::string(what) + " is empty");
  if (!nesting_within(text, max_depth)) {
    return fail(ErrorCode::kInvalid,
                std::string(what) + " nests deeper than " + std::to_string(max_depth) + " levels");
  }
  if (auto fast = parse_json_fast(text)) return std::move(*fast);
  try {
    return json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e400
    return fail(ErrorCode::kInvalid, std::string(what) + " is not valid JSON: " + e.what());
  }
}

// A statement request body: application/json, or multipart/mixed with the statements
// first and one part per attachment (Communication 1.5.2).
struct StatementBody {
  json statements;
  std::vector<AttachmentContent> parts;
};

Result<StatementBody> parse_statement_body(const HttpRequest& request, std::size_t max_depth) {
  std::string_view content_type = request.header("content-type");
  std::string_view type = media_type(content_type);
  StatementBody out;
  if (iequals(type, "multipart/mixed")) {
    auto parts = parse_multipart(request.body, multipart_boundary(content_type));
    if (!parts) return tl::unexpected(parts.error());
    if (parts->empty()) return fail(ErrorCode::kInvalid, "multipart body has no parts");
    const MultipartPart& first = parts->front();
    if (!iequals(media_type(first.header("content-type")), "application/json")) {
      return fail(ErrorCode::kInvalid,
                  "the first multipart part must be the statements as application/json, got \"" +
                      std::string(first.header("content-type")) + "\"");
    }
    auto statements = parse_json_text(first.body, max_depth, "the statements part");
    if (!statements) return tl::unexpected(statements.error());
    out.statements = std::move(*statements);
    for (std::size_t i = 1; i < parts->size(); ++i) {
      MultipartPart& part = (*parts)[i];
      std::string where = "multipart part " + std::to_string(i + 1);
      if (part.header("x-experience-api-hash").empty()) {
        return fail(ErrorCode::kInvalid, where + " has no X-Experience-API-Hash header");
      }
      if (!iequals(part.header("content-transfer-encoding"), "binary")) {
        return fail(ErrorCode::kInvalid, where + " must have Content-Transfer-Encoding: binary");
      }
      out.parts.push_back(AttachmentContent{std::string(part.header("x-experience-api-hash")),
                                            std::string(part.header("content-type")),
                                            std::move(part.body)});
    }
    return out;
  }
  if (!iequals(type, "application/json")) {
    return fail(ErrorCode::kInvalid,
                "Content-Type must be application/json or multipart/mixed, got \"" +
                    std::string(content_type) + "\"");
  }
  auto statements = parse_json_text(request.body, max_depth, "request body");
  if (!statements) return tl::unexpected(statements.error());
  out.statements = std::move(*statements);
  return out;
}

Result<QueryParams> query_params(const HttpRequest& request) {
  auto params = parse_query_string(request.query);
  if (!params) {
    return fail(ErrorCode::kInvalid,
                "malformed query string (bad percent-encoding or invalid UTF-8)");
  }
  return *params;
}

}  // namespace

XapiHandler::XapiHandler(StatementService& statements, Authenticator& auth,
                         XapiHandlerOptions options, DocumentService* documents)
    : statements_(statements),
      auth_(auth),
      options_(std::move(options)),
      documents_(documents ? std::make_unique<DocumentHandler>(*documents) : nullptr) {}

bool XapiHandler::handles(std::string_view path) const {
  std::string_view base = options_.base_path;
  return path.substr(0, base.size()) == base &&
         (path.size() == base.size() || path[base.size()] == '/');
}

HttpResponse XapiHandler::handle(const HttpRequest& request) {
  HttpResponse response;
  if (request.method == "OPTIONS") {
    // CORS preflight: browser-based xAPI tools send Authorization and the version header.
    response.status = 204;
    response.set_header("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, DELETE, OPTIONS");
    response.set_header("Access-Control-Allow-Headers",
                        "Authorization, Content-Type, X-Experience-API-Version, If-Match, "
                        "If-None-Match, Accept-Language");
    response.set_header("Access-Control-Max-Age", "600");
  } else if (auto alternate = alternate_request(request); !alternate) {
    response = error_response(alternate.error());
    response.set_header("X-Experience-API-Version", options_.default_version);
  } else {
    response = handle_resource(*alternate ? **alternate : request);
    // The server drops a HEAD answer's body by the request line, which here says POST.
    if (*alternate && (*alternate)->method == "HEAD") response.body.clear();
  }
  std::string_view origin = request.header("origin");
  response.set_header("Access-Control-Allow-Origin", origin.empty() ? "*" : std::string(origin));
  if (!origin.empty()) response.set_header("Vary", "Origin");
  response.set_header("Access-Control-Expose-Headers",
                      "ETag, Last-Modified, X-Experience-API-Version, "
                      "X-Experience-API-Consistent-Through");
  return response;
}

Result<std::optional<HttpRequest>> XapiHandler::alternate_request(
    const HttpRequest& request) const {
  if (request.method != "POST" || request.query.find("method=") == std::string::npos) {
    return std::optional<HttpRequest>();
  }
  // Communication 1.3: POST ?method=X with the headers, the content and the resource
  // parameters in an application/x-www-form-urlencoded body. xAPI 2.0 removed it.
  auto query = parse_query_string(request.query);
  if (!query) return fail(ErrorCode::kInvalid, "malformed query string");
  std::string method;
  for (const auto& [name, value] : *query) {
    if (name != "method") {
      return fail(ErrorCode::kInvalid, "alternate request syntax: parameter \"" + name +
                                           "\" must be in the form body, not the query string");
    }
    method = value;
  }
  if (method != "GET" && method != "HEAD" && method != "PUT" && method != "POST" &&
      method != "DELETE") {
    return fail(ErrorCode::kInvalid, "alternate request syntax: method \"" + method +
                                         "\" is not one of GET, HEAD, PUT, POST, DELETE");
  }
  if (!iequals(media_type(request.header("content-type")), "application/x-www-form-urlencoded")) {
    return fail(ErrorCode::kInvalid,
                "alternate request syntax: the body must be application/x-www-form-urlencoded");
  }
  auto form = parse_query_string(request.body);
  if (!form) return fail(ErrorCode::kInvalid, "alternate request syntax: malformed form body");
  HttpRequest converted;
  converted.method = method;
  converted.path = request.path;
  converted.remote = request.remote;
  // Real headers still count (clients often send Authorization as a header); form
  // parameters named like headers override them.
  for (const auto& [name, value] : request.headers) {
    if (name != "content-type" && name != "content-length")
      converted.headers.emplace_back(name, value);
  }
  static constexpr std::string_view kHeaderParams[] = {"authorization", "x-experience-api-version",
                                                       "content-type",  "content-length",
                                                       "if-match",      "if-none-match"};
  std::vector<std::string> seen;
  for (auto& [name, value] : *form) {
    std::string lower = to_lower(name);
    bool is_header = std::find(std::begin(kHeaderParams), std::end(kHeaderParams), lower) !=
                     std::end(kHeaderParams);
    if (is_header || name == "content") {
      // A repeated header or content would silently replace the first one.
      if (std::find(seen.begin(), seen.end(), lower) != seen.end()) {
        return fail(ErrorCode::kInvalid, "alternate request syntax: form field \"" + name +
                                             "\" is given more than once");
      }
      seen.push_back(lower);
    }
    if (name == "content") {
      converted.body = std::move(value);
    } else if (is_header) {
      if (lower == "content-length") continue;
      std::erase_if(converted.headers, [&](const auto& h) { return h.first == lower; });
      converted.headers.emplace_back(lower, std::move(value));
    } else {
      if (!converted.query.empty()) converted.query += '&';
      converted.query += url_encode(name) + "=" + url_encode(value);
    }
  }
  if (auto v = parse_version_header(converted.header(kVersionHeader));
      v && v->major == XapiVersion::k2_0) {
    return fail(ErrorCode::kInvalid,
                "the alternate request syntax (POST ?method=) is not part of xAPI 2.0");
  }
  std::string_view resource = std::string_view(converted.path).substr(options_.base_path.size());
  if (!resource.empty() && resource.back() == '/') resource.remove_suffix(1);
  if (resource == "/about" && !converted.query.empty()) {
    return fail(ErrorCode::kInvalid,
                "alternate request syntax: /about takes no parameters, got \"" +
                    converted.query.substr(0, converted.query.find('=')) + "\"");
  }
  if ((method == "PUT" || method == "POST") && !converted.has_header("content-type")) {
    converted.headers.emplace_back("content-type", "application/json");
  }
  return std::optional<HttpRequest>(std::move(converted));
}

HttpResponse XapiHandler::handle_resource(const HttpRequest& request) {
  std::string_view resource = std::string_view(request.path).substr(options_.base_path.size());
  if (!resource.empty() && resource.back() == '/') resource.remove_suffix(1);

  if (resource == "/about") {
    if (request.method != "GET" && request.method != "HEAD") {
      auto r = error_response(
          {ErrorCode::kInvalid, "method " + request.method + " not allowed on /about"});
      r.status = 405;
      r.set_header("Allow", "GET, HEAD");
      return r;
    }
    json about = {{"version", {"1.0.3", "2.0.0"}},
                  {"extensions", {{"https://lrsbridge.dev/xapi/about/server", "lrsbridge"}}}};
    auto r = json_response(200, json_text(about));
    auto version = parse_version_header(request.header(kVersionHeader));
    r.set_header("X-Experience-API-Version", version ? version->header : options_.default_version);
    return r;
  }

  auto version = parse_version_header(request.header(kVersionHeader));
  if (!version) {
    HttpResponse r = invalid(
        request.has_header(kVersionHeader)
            ? "X-Experience-API-Version \"" + std::string(request.header(kVersionHeader)) +
                  "\" is not supported (use 1.0.3 or 2.0.0)"
            : std::string("the X-Experience-API-Version header is required (1.0.3 or 2.0.0)"));
    r.set_header("X-Experience-API-Version", options_.default_version);
    return r;
  }
  auto who = auth_.authenticate(request.header("authorization"));
  HttpResponse response;
  if (!who) {
    response = error_response(who.error());
  } else if (resource == "/statements") {
    response = statements(request, *version, *who);
    bool is_get = request.method == "GET" || request.method == "HEAD";
    // Communication 2.1.3: Consistent-Through on every GET answer, errors included.
    if (is_get && !response.has_header("X-Experience-API-Consistent-Through")) {
      if (auto through = statements_.consistent_through()) {
        response.set_header("X-Experience-API-Consistent-Through", format_timestamp_us(*through));
      }
    }
  } else if (documents_ && DocumentHandler::handles(resource)) {
    response = documents_->handle(resource, request, *version, *who);
  } else {
    response = error_response({ErrorCode::kNotFound, "no xAPI resource at " + request.path});
  }
  response.set_header("X-Experience-API-Version", version->header);
  return response;
}

namespace {

// A GET answer: JSON, or multipart/mixed with the attachments after the statements.
HttpResponse statements_answer(StatementsResponse result) {
  HttpResponse r;
  if (result.with_attachments) {
    std::vector<MultipartPart> parts;
    parts.push_back({{{"Content-Type", "application/json"}}, std::move(result.body)});
    for (AttachmentContent& a : result.attachments) {
      parts.push_back({{{"Content-Type", a.content_type},
                        {"Content-Transfer-Encoding", "binary"},
                        {"X-Experience-API-Hash", a.sha2}},
                       std::move(a.content)});
    }
    std::string boundary;
    r.body = build_multipart(parts, boundary);
    r.set_header("Content-Type", "multipart/mixed; boundary=" + boundary);
  } else {
    r = json_response(200, std::move(result.body));
  }
  r.set_header("X-Experience-API-Consistent-Through",
               format_timestamp_us(result.consistent_through_us));
  if (result.last_modified_us) r.set_header("Last-Modified", http_date(*result.last_modified_us));
  return r;
}

// PUT takes exactly one parameter, statementId.
Result<std::string> put_statement_id(const QueryParams& params) {
  std::string statement_id;
  for (const auto& [name, value] : params) {
    if (name != "statementId") {
      return fail(ErrorCode::kInvalid,
                  "unknown parameter \"" + name + "\" for PUT /statements (only statementId)");
    }
    statement_id = value;
  }
  if (statement_id.empty()) {
    return fail(ErrorCode::kInvalid, "PUT /statements requires the statementId parameter");
  }
  return statement_id;
}

}  // namespace

HttpResponse XapiHandler::statements(const HttpRequest& request, const ClientVersion& version,
                                     const Principal& who) {
  auto params = query_params(request);
  if (!params) return error_response(params.error());

  if (request.method == "GET" || request.method == "HEAD") {
    auto query = parse_statement_query(*params, version.major, 500);
    if (!query) return error_response(query.error());
    auto result = statements_.get(*query, who, request.header("accept-language"));
    if (!result) return error_response(result.error());
    return statements_answer(std::move(*result));
  }
  if (request.method == "POST") {
    if (!params->empty()) {
      return invalid("unknown parameter \"" + params->front().first + "\" for POST /statements");
    }
    auto body = parse_statement_body(request, options_.max_json_depth);
    if (!body) return error_response(body.error());
    auto ids = statements_.post(std::move(body->statements), std::move(body->parts), who, version);
    if (!ids) return error_response(ids.error());
    return json_response(200, json_text(json(*ids)));
  }
  if (request.method == "PUT") {
    auto statement_id = put_statement_id(*params);
    if (!statement_id) return error_response(statement_id.error());
    auto body = parse_statement_body(request, options_.max_json_depth);
    if (!body) return error_response(body.error());
    auto stored = statements_.put(std::move(body->statements), std::move(body->parts),
                                  *statement_id, who, version);
    if (!stored) return error_response(stored.error());
    HttpResponse r;
    r.status = 204;
    return r;
  }
  HttpResponse r = error_response(
      {ErrorCode::kInvalid, "method " + request.method + " not allowed on /statements"});
  r.status = 405;
  r.set_header("Allow", "GET, HEAD, POST, PUT");
  return r;
}

}  // namespace lrs
