// A read of state that lives on an event loop's thread, from another thread
// (a scrape): the work is posted to the loop and the caller waits at most
// `limit`. No answer in time gives nullopt, and the late answer is dropped.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <optional>

namespace cats::metrics {

template <class F>
auto ask(boost::asio::io_context& io, F work, std::chrono::milliseconds limit) -> std::optional<decltype(work())> {
  using T = decltype(work());
  auto done = std::make_shared<std::promise<T>>();
  auto answer = done->get_future();
  boost::asio::post(io, [done, work = std::move(work)] { done->set_value(work()); });
  if (answer.wait_for(limit) != std::future_status::ready) return std::nullopt;
  return answer.get();
}

}  // namespace cats::metrics
