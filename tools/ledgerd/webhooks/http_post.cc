#include "tools/ledgerd/webhooks/http_post.h"

#include <curl/curl.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/check.h"

namespace ledger::ledgerd {
namespace {

// The answer's body is not used: read it (so the connection stays usable)
// and drop it.
size_t DropBody(char*, size_t size, size_t count, void*) {
  return size * count;
}

int AskCancelled(void* cancelled, curl_off_t, curl_off_t, curl_off_t,
                 curl_off_t) {
  const auto* fn = static_cast<const std::function<bool()>*>(cancelled);
  return (*fn && (*fn)()) ? 1 : 0;  // non-zero aborts the transfer
}

}  // namespace

absl::Status InitHttpClient() {
  const CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (code != CURLE_OK) {
    return absl::InvalidArgumentError(
        absl::StrCat("libcurl did not start: ", curl_easy_strerror(code)));
  }
  return absl::OkStatus();
}

HttpPoster::HttpPoster() : curl_(curl_easy_init()) {
  LEDGER_CHECK(curl_ != nullptr) << "curl_easy_init failed (out of memory)";
}

HttpPoster::~HttpPoster() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

absl::StatusOr<int> HttpPoster::Post(const std::string& url,
                                     const std::vector<std::string>& headers,
                                     std::string_view body,
                                     absl::Duration timeout,
                                     const std::function<bool()>& cancelled) {
  CURL* curl = static_cast<CURL*>(curl_);
  curl_slist* list = nullptr;
  for (const std::string& h : headers) list = curl_slist_append(list, h.c_str());
  // curl would otherwise send `Expect: 100-continue` for a body over 1 KiB
  // and wait a second for a 100 that many small servers never send.
  list = curl_slist_append(list, "Expect:");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                   static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(timeout)));
  // Threads: no signals for DNS timeouts.
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, DropBody);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, AskCancelled);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA,
                   const_cast<std::function<bool()>*>(&cancelled));
  const CURLcode code = curl_easy_perform(curl);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(list);
  long status = 0;
  switch (code) {
    case CURLE_OK:
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
      return static_cast<int>(status);
    case CURLE_OPERATION_TIMEDOUT:
      return absl::DeadlineExceededError(
          absl::StrCat("no answer within ", absl::FormatDuration(timeout)));
    case CURLE_ABORTED_BY_CALLBACK:
      return absl::CancelledError("stopped while posting");
    default:
      return absl::UnavailableError(curl_easy_strerror(code));
  }
}

}  // namespace ledger::ledgerd
