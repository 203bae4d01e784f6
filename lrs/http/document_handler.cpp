#include "lrs/document_handler.h"

#include <nlohmann/json.hpp>

#include "lrs/json_text.h"
#include "lrs/url.h"

namespace lrs {
namespace {

constexpr std::string_view kState = "/activities/state";
constexpr std::string_view kActivityProfile = "/activities/profile";
constexpr std::string_view kAgentProfile = "/agents/profile";
constexpr std::string_view kActivities = "/activities";
constexpr std::string_view kAgents = "/agents";

HttpResponse method_not_allowed(const HttpRequest& request, std::string_view resource,
                                const char* allow) {
  HttpResponse r =
      error_response({ErrorCode::kInvalid,
                      "method " + request.method + " not allowed on " + std::string(resource)});
  r.status = 405;
  r.set_header("Allow", allow);
  return r;
}

HttpResponse no_content() {
  HttpResponse r;
  r.status = 204;
  return r;
}

HttpResponse json_ok(std::string body) {
  HttpResponse r;
  r.body = std::move(body);
  r.set_header("Content-Type", "application/json");
  return r;
}

std::optional<std::string> optional_header(const HttpRequest& request, std::string_view name) {
  if (!request.has_header(name)) return std::nullopt;
  return std::string(request.header(name));
}

}  // namespace

bool DocumentHandler::handles(std::string_view resource) {
  return resource == kState || resource == kActivityProfile || resource == kAgentProfile ||
         resource == kActivities || resource == kAgents;
}

HttpResponse DocumentHandler::handle(std::string_view resource, const HttpRequest& request,
                                     const ClientVersion& version, const Principal& who) {
  if (resource == kState) return document(DocumentKind::kState, request, version, who);
  if (resource == kActivityProfile) {
    return document(DocumentKind::kActivityProfile, request, version, who);
  }
  if (resource == kAgentProfile) {
    return document(DocumentKind::kAgentProfile, request, version, who);
  }
  bool is_get = request.method == "GET" || request.method == "HEAD";
  if (!is_get) return method_not_allowed(request, resource, "GET, HEAD");
  auto params = parse_query_string(request.query);
  if (!params) {
    return error_response(
        {ErrorCode::kInvalid, "malformed query string (bad percent-encoding or invalid UTF-8)"});
  }
  auto body = resource == kActivities ? service_.activity(*params, who)
                                      : service_.person(*params, who, version.major);
  if (!body) return error_response(body.error());
  return json_ok(std::move(*body));
}

HttpResponse DocumentHandler::document(DocumentKind kind, const HttpRequest& request,
                                       const ClientVersion& version, const Principal& who) {
  DocumentMethod method;
  if (request.method == "GET" || request.method == "HEAD") {
    method = DocumentMethod::kGet;
  } else if (request.method == "PUT") {
    method = DocumentMethod::kPut;
  } else if (request.method == "POST") {
    method = DocumentMethod::kPost;
  } else if (request.method == "DELETE") {
    method = DocumentMethod::kDelete;
  } else {
    return method_not_allowed(request, request.path, "GET, HEAD, PUT, POST, DELETE");
  }
  auto params = parse_query_string(request.query);
  if (!params) {
    return error_response(
        {ErrorCode::kInvalid, "malformed query string (bad percent-encoding or invalid UTF-8)"});
  }
  auto parsed = parse_document_request(kind, method, *params, version.major);
  if (!parsed) return error_response(parsed.error());
  Preconditions preconditions{optional_header(request, "if-match"),
                              optional_header(request, "if-none-match")};

  switch (method) {
    case DocumentMethod::kGet: {
      if (!parsed->id) {
        auto ids = service_.ids(*parsed, who);
        if (!ids) return error_response(ids.error());
        return json_ok(json_text(nlohmann::json(*ids)));
      }
      auto doc = service_.get(*parsed, who);
      if (!doc) return error_response(doc.error());
      HttpResponse r;
      r.body = std::move(doc->content);
      r.set_header("Content-Type", doc->content_type);
      r.set_header("ETag", doc->etag);
      r.set_header("Last-Modified", http_date(doc->updated_us));
      return r;
    }
    case DocumentMethod::kPut:
    case DocumentMethod::kPost: {
      std::string content_type(request.header("content-type"));
      auto ok =
          method == DocumentMethod::kPut
              ? service_.put(*parsed, request.body, std::move(content_type), preconditions, who,
                             version.major)
              : service_.post(*parsed, request.body, std::move(content_type), preconditions, who);
      if (!ok) return error_response(ok.error());
      HttpResponse r = no_content();
      r.set_header("ETag", *ok);
      return r;
    }
    case DocumentMethod::kDelete: {
      auto ok = service_.remove(*parsed, preconditions, who);
      if (!ok) return error_response(ok.error());
      return no_content();
    }
  }
  return error_response({ErrorCode::kInternal, "unreachable"});
}

}  // namespace lrs
