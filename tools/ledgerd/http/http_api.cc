#include "tools/ledgerd/http/http_api.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <regex>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ledger/base/json_writer.h"
#include "tools/ledgerd/console/console_response.h"
#include "tools/ledgerd/http/http_metrics.h"

namespace ledger::http {
namespace {

// The error object's code and the HTTP status of each absl code the API
// answers with: what the gRPC codes of docs/contract.md section 9 mean.
// OutOfRange is the API's own: a body with more commands than one request
// may carry (413).
struct HttpError {
  int status;
  const char* code;
};
HttpError ErrorOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument: return {400, "INVALID_ARGUMENT"};
    case absl::StatusCode::kUnauthenticated: return {401, "UNAUTHENTICATED"};
    case absl::StatusCode::kPermissionDenied: return {403, "PERMISSION_DENIED"};
    case absl::StatusCode::kNotFound: return {404, "NOT_FOUND"};
    case absl::StatusCode::kOutOfRange: return {413, "TOO_LARGE"};
    case absl::StatusCode::kResourceExhausted: return {429, "RESOURCE_EXHAUSTED"};
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded: return {503, "UNAVAILABLE"};
    default: return {500, "INTERNAL"};
  }
}

std::string ErrorJson(const char* code, std::string_view message) {
  JsonWriter w;
  w.BeginObject().Key("error").BeginObject();
  w.Key("code").String(code);
  w.Key("message").String(std::string(message));
  w.EndObject().EndObject();
  return w.str();
}

// The web console (docs/console.md): files compiled into ledgerd, answered
// as console_response.h decides, headers included. No token: the files
// hold no data, and every API call they make carries the token typed into
// the page.
void ServeConsole(const httplib::Request& req, httplib::Response& res) {
  const console::ConsoleResponse answer =
      console::AnswerConsoleRequest(req.path);
  res.status = answer.status;
  for (const auto& [name, value] : answer.headers) {
    res.set_header(std::string(name), std::string(value));
  }
  if (!answer.location.empty()) {
    res.set_header("Location", std::string(answer.location));
  }
  res.set_content(std::string(answer.body), std::string(answer.content_type));
}

void Answer(httplib::Response& res, const absl::Status& status) {
  const HttpError e = ErrorOf(status.code());
  res.status = e.status;
  res.set_content(ErrorJson(e.code, std::string(status.message())),
                  "application/json");
}

// HOST:PORT (HOST may be [v6]) split; InvalidArgument otherwise.
absl::StatusOr<std::pair<std::string, int>> SplitAddress(const std::string& a) {
  const size_t colon = a.rfind(':');
  int port = -1;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(a.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--http ", a, ": expected HOST:PORT"));
  }
  std::string host = a.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return std::make_pair(host, port);
}

// When the request this thread serves arrived (the pre-routing handler
// sets it; the library serves one request at a time on a thread), for the
// logger, which the library calls after the answer with no time of its own.
thread_local absl::Time request_start = absl::InfinitePast();

double SecondsSinceStart() {
  if (request_start == absl::InfinitePast()) return 0;
  return absl::ToDoubleSeconds(absl::Now() - request_start);
}

}  // namespace

class HttpApi::Server {
 public:
  Server(RouteContext context, const ledgerd::TokenTable* tokens,
         ledgerd::Metrics* metrics, ledgerd::LedgerServiceImpl* service)
      : context_(context), tokens_(tokens), service_(service),
        metrics_(metrics->registry()), routes_(Routes()) {
    for (const Route& r : routes_) patterns_.emplace_back(r.pattern);
  }

  absl::StatusOr<std::string> Listen(const HttpConfig& config) {
    if (config.tls_cert.has_value()) {
      server_ = std::make_unique<httplib::SSLServer>(
          config.tls_cert->c_str(), config.tls_key->c_str());
    } else {
      server_ = std::make_unique<httplib::Server>();
    }
    if (!server_->is_valid()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--http: the TLS certificate ", config.tls_cert.value_or(""),
          " or key ", config.tls_key.value_or(""), " cannot be used"));
    }
    Configure();
    auto [host, port] = *SplitAddress(config.address);
    int bound = port;
    if (port == 0) {
      bound = server_->bind_to_any_port(host);
    } else if (!server_->bind_to_port(host, port)) {
      bound = -1;
    }
    if (bound < 0) {
      return absl::UnavailableError(
          absl::StrCat("--http: cannot listen on ", config.address));
    }
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    const bool v6 = host.find(':') != std::string::npos;
    return absl::StrCat(v6 ? "[" : "", host, v6 ? "]" : "", ":", bound);
  }

  void BeginShutdown() { draining_.store(true); }

  void Stop(absl::Duration deadline) {
    if (!thread_.joinable()) return;
    draining_.store(true);
    const absl::Time until = absl::Now() + deadline;
    while (admitted_.load() > 0 && absl::Now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    server_->stop();
    thread_.join();
  }

 private:
  void Configure() {
    // Threads beyond the in-flight bound answer 429 instead of queueing;
    // a client that sends slowly holds one of them for kReadTimeout.
    const size_t threads = static_cast<size_t>(
        std::clamp(service_->max_in_flight() + 8, 8, 128));
    server_->new_task_queue = [threads] {
      return new httplib::ThreadPool(threads);
    };
    const auto read_us = absl::ToInt64Microseconds(kReadTimeout);
    server_->set_read_timeout(read_us / 1000000, read_us % 1000000);
    server_->set_write_timeout(30, 0);
    // A client that reuses its connection (a service's pool) keeps it for
    // 100 requests, not the library's 5, so it seldom pays a handshake; an
    // idle one still gives its thread back after 5 s.
    server_->set_keep_alive_timeout(5);
    server_->set_keep_alive_max_count(100);
    // The library writes an answer's headers and body apart: with Nagle's
    // algorithm the body waits for the client's delayed ACK, 40 ms on
    // Linux (measured: a balance took 44 ms at p50, 0.1 ms without).
    server_->set_tcp_nodelay(true);
    server_->set_payload_max_length(kMaxBodyBytes);
    for (size_t i = 0; i < routes_.size(); ++i) {
      auto handler = [this, i](const httplib::Request& req,
                               httplib::Response& res) { Handle(i, req, res); };
      if (routes_[i].method == "POST") {
        server_->Post(routes_[i].pattern, handler);
      } else {
        server_->Get(routes_[i].pattern, handler);
      }
    }
    server_->Get(R"(/console(/.*)?)", ServeConsole);
    // The library's own refusals (no route: 404; a body past
    // kMaxBodyBytes: 413; a request it cannot read: 400) get the error
    // object too; the API's own errors already carry it.
    server_->set_error_handler(
        [](const httplib::Request&, httplib::Response& res) {
          if (!res.body.empty()) return;
          const char* code = res.status == 404   ? "NOT_FOUND"
                             : res.status == 413 ? "TOO_LARGE"
                             : res.status < 500  ? "INVALID_ARGUMENT"
                                                 : "INTERNAL";
          const std::string message =
              res.status == 404 ? "no such path (docs/http.md lists them)"
              : res.status == 413
                  ? absl::StrCat("the body is over ", kMaxBodyBytes,
                                 " bytes: split it; nothing was applied")
                  : absl::StrCat("the request could not be served (HTTP ",
                                 res.status, ")");
          res.set_content(ErrorJson(code, message), "application/json");
        });
    server_->set_pre_routing_handler(
        [](const httplib::Request&, httplib::Response&) {
          request_start = absl::Now();
          return httplib::Server::HandlerResponse::Unhandled;
        });
    server_->set_logger(
        [this](const httplib::Request& req, const httplib::Response& res) {
          metrics_.Observe(RouteName(req), res.status, SecondsSinceStart());
          request_start = absl::InfinitePast();
        });
  }

  std::string_view RouteName(const httplib::Request& req) const {
    for (size_t i = 0; i < routes_.size(); ++i) {
      if (req.method == routes_[i].method &&
          std::regex_match(req.path, patterns_[i])) {
        return routes_[i].name;
      }
    }
    return "other";
  }

  void Handle(size_t index, const httplib::Request& req,
              httplib::Response& res) {
    const absl::Time start = absl::Now();
    const Route& route = routes_[index];
    // Counted before the drain is checked, so Stop never misses a
    // request admitted while it starts.
    admitted_.fetch_add(1);
    absl::StatusOr<ledgerd::Caller> caller = Admit(route, req);
    if (!caller.ok()) {
      admitted_.fetch_sub(1);
      Answer(res, caller.status());
      return;
    }
    Request request;
    for (size_t g = 1; g < req.matches.size(); ++g) {
      request.path_params.push_back(req.matches[g].str());
    }
    for (const auto& [name, value] : req.params) request.query.emplace(name, value);
    request.body = req.body;
    request.caller = *std::move(caller);
    request.deadline = start + absl::Seconds(30);
    absl::StatusOr<std::string> answer = route.handler(context_, request);
    Release();
    if (!answer.ok()) {
      Answer(res, answer.status());
    } else {
      res.status = 200;
      res.set_content(*std::move(answer), "application/json");
    }
  }

  // On success the caller, holding one in-flight slot (Release gives it
  // back).
  absl::StatusOr<ledgerd::Caller> Admit(const Route& route,
                                        const httplib::Request& req) {
    if (draining_.load() || service_->shutting_down()) {
      return absl::UnavailableError(
          "ledgerd is shutting down: retry, with the same keys, once it is "
          "back");
    }
    std::optional<std::string_view> authorization;
    const std::string header = req.get_header_value("Authorization");
    if (req.has_header("Authorization")) authorization = header;
    absl::StatusOr<ledgerd::Caller> caller = tokens_->Authenticate(authorization);
    if (!caller.ok()) {
      std::cerr << "ledgerd: refused HTTP " << route.name << " from "
                << req.remote_addr << ": " << caller.status().message()
                << std::endl;
      return caller.status();
    }
    if (caller->role < route.role) {
      return absl::PermissionDeniedError(absl::StrCat(
          "role ", ledgerd::RoleName(caller->role), " may not call ",
          route.method, " ", route.name, " (needs ",
          ledgerd::RoleName(route.role), "): nothing was applied"));
    }
    if (!service_->TryTakeSlot()) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "ledgerd is serving its bound of ", service_->max_in_flight(),
          " calls (--max-in-flight): retry with backoff"));
    }
    return caller;
  }

  void Release() {
    service_->GiveBackSlot();
    admitted_.fetch_sub(1);
  }

  const RouteContext context_;
  const ledgerd::TokenTable* const tokens_;
  ledgerd::LedgerServiceImpl* const service_;
  HttpMetrics metrics_;
  const std::vector<Route> routes_;
  std::vector<std::regex> patterns_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::atomic<bool> draining_{false};
  std::atomic<int> admitted_{0};
};

absl::StatusOr<std::unique_ptr<HttpApi>> HttpApi::Start(
    const HttpConfig& config, RouteContext context,
    const ledgerd::TokenTable* tokens, ledgerd::Metrics* metrics,
    ledgerd::LedgerServiceImpl* service) {
  absl::StatusOr<std::pair<std::string, int>> address =
      SplitAddress(config.address);
  if (!address.ok()) return address.status();
  std::unique_ptr<HttpApi> api(new HttpApi());
  api->server_ = std::make_unique<Server>(context, tokens, metrics, service);
  absl::StatusOr<std::string> listening = api->server_->Listen(config);
  if (!listening.ok()) return listening.status();
  api->listening_on_ = *std::move(listening);
  return api;
}

HttpApi::~HttpApi() { Stop(); }

void HttpApi::BeginShutdown() { server_->BeginShutdown(); }

void HttpApi::Stop(absl::Duration deadline) { server_->Stop(deadline); }

}  // namespace ledger::http
