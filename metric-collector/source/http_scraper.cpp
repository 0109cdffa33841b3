#include "metric-collector/source/http_scraper.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <utility>

namespace cats::source {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpScraper::State {
  State(asio::io_context& io, ScrapeTarget t, Callback cb)
      : target(std::move(t)), on_scrape(std::move(cb)), executor(io.get_executor()), timer(io) {}
  ScrapeTarget target;
  Callback on_scrape;
  const HttpScraper* owner = nullptr;  // null once the owner is gone: no callback then
  asio::io_context::executor_type executor;
  asio::steady_timer timer;
  std::optional<beast::tcp_stream> stream;  // of the attempt in flight
  // Name resolution runs on Asio's resolver thread; the stream deadline does
  // not cover it, stop() does.
  std::optional<tcp::resolver> resolver;
  bool busy = false;
  bool cancelled = false;  // stop() cancelled the attempt in flight
  bool stopped = true;
  std::uint64_t generation = 0;  // a loop from before stop() ends when this moves on
  TargetStatus status;
};

namespace {

using StatePtr = std::shared_ptr<HttpScraper::State>;

struct Outcome {
  Failure failure = Failure::kNone;
  std::string error;
  std::string body;
  std::string content_type;
};

auto redirect(beast::error_code& ec) {
  return asio::redirect_error(asio::use_awaitable, ec);
}

bool is_http_error(const beast::error_code& ec) {
  return &ec.category() == &http::make_error_code(http::error::bad_version).category();
}

Failure classify(const beast::error_code& ec, bool connecting) {
  if (ec == beast::error::timeout) return Failure::kTimeout;
  if (ec == http::error::body_limit) return Failure::kTooLarge;
  if (connecting) return Failure::kConnect;
  if (ec == http::error::end_of_stream || ec == http::error::partial_message || ec == asio::error::eof ||
      ec == asio::error::connection_reset || ec == asio::error::connection_aborted || ec == asio::error::broken_pipe)
    return Failure::kReset;
  if (is_http_error(ec)) return Failure::kHttp;
  return Failure::kReset;
}

Outcome failed(Failure f, std::string what, const beast::error_code& ec) {
  Outcome o;
  o.failure = f;
  o.error = std::move(what) + ": " + ec.message();
  return o;
}

asio::awaitable<Outcome> fetch(StatePtr st) {
  const ScrapeTarget& t = st->target;
  const std::string port = std::to_string(t.port);
  beast::error_code ec;
  auto& stream = st->stream.emplace(st->executor);
  // One deadline for connect, request and the whole response: a server that
  // trickles bytes cannot hold the scrape open past it.
  stream.expires_after(t.timeout);
  auto& resolver = st->resolver.emplace(st->executor);
  const auto endpoints = co_await resolver.async_resolve(t.host, port, redirect(ec));
  if (ec) co_return failed(Failure::kConnect, "resolve " + t.host, ec);
  co_await stream.async_connect(endpoints, redirect(ec));
  if (ec) co_return failed(classify(ec, true), "connect " + t.host + ":" + port, ec);

  http::request<http::empty_body> req{http::verb::get, t.path, 11};
  req.set(http::field::host, t.host + ":" + port);
  req.set(http::field::user_agent, "cats-collector");
  req.set(http::field::accept,
          "text/plain;version=0.0.4;q=1,application/openmetrics-text;version=1.0.0;q=0.5,*/*;q=0.1");
  req.set(http::field::accept_encoding, "identity");  // no gzip: the cap is on what we parse
  req.set(http::field::connection, "close");
  co_await http::async_write(stream, req, redirect(ec));
  if (ec) co_return failed(classify(ec, false), "send request", ec);

  beast::flat_buffer buffer;
  // Beast reads at most the buffer's free capacity (512 bytes for a fresh
  // one), each read with a syscall and a timer update: 1,300 of each for a
  // 700 kB page. 64 KiB reads cut the CPU of such a scrape several times.
  buffer.reserve(std::size_t{64} << 10);
  http::response_parser<http::string_body> parser;
  parser.body_limit(t.body_cap);
  co_await http::async_read_header(stream, buffer, parser, redirect(ec));
  // An announced length over the cap is refused before reading any of it
  // (Beast 1.74's read loop does not apply body_limit to it by itself).
  if (!ec && parser.content_length() && *parser.content_length() > t.body_cap) ec = http::error::body_limit;
  if (!ec) co_await http::async_read(stream, buffer, parser, redirect(ec));
  if (ec) {
    Outcome o = failed(classify(ec, false), "read response", ec);
    if (o.failure == Failure::kTooLarge) o.error = "body exceeds cap of " + std::to_string(t.body_cap) + " bytes";
    co_return o;
  }
  auto res = parser.release();
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  Outcome o;
  if (res.result_int() != 200) {
    o.failure = Failure::kHttpStatus;
    o.error = "HTTP " + std::to_string(res.result_int()) + " " + std::string(res.reason());
    co_return o;
  }
  o.content_type = std::string(res[http::field::content_type]);
  o.body = std::move(res.body());
  co_return o;
}

void refresh_stale(HttpScraper::State& st, score::TimePoint now) {
  TargetStatus& s = st.status;
  const bool was = s.stale;
  s.stale = !s.last_good || now - s.last_good->at > st.target.staleness;
  if (s.stale && !was) ++s.counters.stale_transitions;
}

void record(HttpScraper::State& st, Outcome o, score::TimePoint started) {
  TargetStatus& s = st.status;
  const auto now = score::Clock::now();
  s.last_attempt = now;
  ++s.counters.scrapes;
  s.last_failure = o.failure;
  s.last_error = std::move(o.error);
  if (o.failure == Failure::kNone) {
    auto scrape = std::make_shared<Scrape>();
    scrape->body = std::move(o.body);
    scrape->content_type = std::move(o.content_type);
    scrape->at = now;
    s.counters.bytes += scrape->body.size();
    prom::parse_exposition(scrape->body, prom::format_from_content_type(scrape->content_type), scrape->parsed);
    scrape->took = std::chrono::duration_cast<std::chrono::microseconds>(score::Clock::now() - started);
    const auto& pc = scrape->parsed.counters;
    s.counters.parse_errors += pc.errors;
    if (pc.errors > 0) {
      const auto& e = scrape->parsed.errors.front();
      s.last_error =
          std::to_string(pc.errors) + " malformed line(s), first at line " + std::to_string(e.line) + ": " + e.reason;
    }
    // Malformed lines cost only themselves; a page with nothing usable is a failure.
    if (scrape->parsed.samples.empty() && pc.errors > 0) {
      s.last_failure = Failure::kParse;
    } else {
      s.previous_good = std::move(s.last_good);
      s.last_good = std::move(scrape);
      ++s.counters.good;
    }
  }
  if (s.last_failure != Failure::kNone) ++s.counters.failures[static_cast<std::size_t>(s.last_failure)];
  refresh_stale(st, now);
}

// The caller sets busy before the coroutine is posted, so two attempts can
// never share the stream (found in review: scrape_once twice in a row).
asio::awaitable<void> attempt(StatePtr st) {
  if (std::exchange(st->cancelled, false)) {  // stop() came between posting and running
    st->busy = false;
    co_return;
  }
  const auto started = score::Clock::now();
  Outcome o = co_await fetch(st);
  st->stream.reset();
  st->resolver.reset();
  st->busy = false;
  if (std::exchange(st->cancelled, false)) co_return;  // stop() is not the target's failure
  record(*st, std::move(o), started);
  if (st->on_scrape && st->owner) st->on_scrape(*st->owner);
}

asio::awaitable<void> loop(StatePtr st, std::uint64_t generation) {
  auto next = score::Clock::now();
  while (!st->stopped && st->generation == generation) {
    if (!st->busy) {
      st->busy = true;
      co_await attempt(st);
    }
    if (st->stopped || st->generation != generation) break;
    next += st->target.interval;
    const auto now = score::Clock::now();
    if (next < now) next = now;  // an attempt longer than the interval: no burst to catch up
    st->timer.expires_at(next);
    beast::error_code ec;
    co_await st->timer.async_wait(redirect(ec));
    refresh_stale(*st, score::Clock::now());
  }
}

void spawn(const StatePtr& st, asio::awaitable<void> work) {
  // Every operation redirects its errors, so only bad_alloc could land here.
  asio::co_spawn(st->executor, std::move(work), [st](const std::exception_ptr& e) {
    if (!e) return;
    st->busy = false;
    st->status.last_error = "internal error in the scrape";
  });
}

}  // namespace

const char* failure_name(Failure f) {
  switch (f) {
    case Failure::kNone: return "none";
    case Failure::kConnect: return "connect";
    case Failure::kTimeout: return "timeout";
    case Failure::kReset: return "reset";
    case Failure::kHttp: return "http";
    case Failure::kHttpStatus: return "http-status";
    case Failure::kTooLarge: return "too-large";
    case Failure::kParse: return "parse";
  }
  return "?";
}

HttpScraper::HttpScraper(asio::io_context& io, ScrapeTarget target, Callback on_scrape)
    : state_(std::make_shared<State>(io, std::move(target), std::move(on_scrape))) {
  state_->owner = this;
}

HttpScraper::~HttpScraper() {
  state_->owner = nullptr;
  // Cancelling a timer or the stream may throw; a destructor must not.
  try {
    stop();
  } catch (const std::exception& e) {
    spdlog::error("scraper: stop: {}", e.what());
  }
}

void HttpScraper::start() {
  if (!state_->stopped) return;
  state_->stopped = false;
  spawn(state_, loop(state_, ++state_->generation));
}

void HttpScraper::stop() {
  state_->stopped = true;
  ++state_->generation;
  state_->timer.cancel();
  if (state_->busy) {
    state_->cancelled = true;
    if (state_->stream) state_->stream->cancel();
    if (state_->resolver) state_->resolver->cancel();
  }
}

void HttpScraper::scrape_once() {
  if (state_->busy) return;
  state_->busy = true;
  spawn(state_, attempt(state_));
}

const ScrapeTarget& HttpScraper::target() const {
  return state_->target;
}
const TargetStatus& HttpScraper::status() const {
  return state_->status;
}
bool HttpScraper::stale(score::TimePoint now) const {
  const auto& s = state_->status;
  return !s.last_good || now - s.last_good->at > state_->target.staleness;
}

HttpScraper& ScrapeGroup::add(ScrapeTarget target, HttpScraper::Callback on_scrape) {
  targets_.push_back(std::make_unique<HttpScraper>(io_, std::move(target), std::move(on_scrape)));
  return *targets_.back();
}
void ScrapeGroup::start() {
  for (auto& t : targets_) t->start();
}
void ScrapeGroup::stop() {
  for (auto& t : targets_) t->stop();
}

}  // namespace cats::source
