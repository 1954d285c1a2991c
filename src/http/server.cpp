// The connection state machine, once:
//
//   await_request --first byte (idle_timeout)--> read_head --(header_timeout)--> on_head
//   on_head: route, admission, limits ----refused----> write_response (close after, lingering)
//                                     ----no body----> dispatch
//                                     ----body-------> [100 Continue] read_body --> dispatch
//   dispatch --worker pool--> handler --post to strand--> write_response
//   write_response --keep-alive--> await_request
//                  --stream------> stream_head --> pump chunks / heartbeats until either side ends
//                  --close-------> linger (discard input briefly) --> close
//
// Every step of a connection runs on its strand; a handler runs on a worker
// and hands its response back to the strand. The Session is owned by the
// asynchronous operations in flight (shared_from_this): when none is left,
// it is gone, and its destructor gives back its connection and stream slots.

#include "http/server.h"

#include "http/beast_request.h"
#include "http/stream_channel.h"
#include "http/worker_pool.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

namespace kafkaml::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

Response plain_error(int status, const std::string &message) {
	return Response::text(status, message + "\n");
}

//! Time allowed to move `bytes` at the minimum rate, on top of the base.
std::chrono::milliseconds transfer_budget(const ServerOptions &options, uint64_t bytes) {
	auto rate = std::max<uint64_t>(options.min_transfer_rate, 1);
	return options.transfer_timeout + std::chrono::milliseconds(bytes * 1000 / rate);
}

} // namespace

class Session;

class Server::Impl {
public:
	Impl(Router router, ServerOptions options)
	    : router_(std::move(router)), options_(std::move(options)),
	      pool_(options_.worker_threads, options_.max_queued_requests) {
		if (!options_.error_response) {
			options_.error_response = plain_error;
		}
	}

	int start(const std::string &host, int port);
	void stop();
	void accept();

	// ---- what sessions ask of the server (any strand)
	bool acquire_stream(const std::string &client) {
		std::lock_guard lock(mutex_);
		auto &count = streams_by_client_[client];
		if (count >= options_.max_streams_per_client) {
			stats_refused_streams_++;
			return false;
		}
		count++;
		return true;
	}
	void release_stream(const std::string &client) {
		std::lock_guard lock(mutex_);
		auto it = streams_by_client_.find(client);
		if (it != streams_by_client_.end() && --it->second == 0) {
			streams_by_client_.erase(it);
		}
	}
	void add_session(Session *session, std::weak_ptr<Session> weak) {
		std::lock_guard lock(mutex_);
		sessions_.emplace(session, std::move(weak));
	}
	void remove_session(Session *session) {
		std::lock_guard lock(mutex_);
		sessions_.erase(session);
	}
	void respond(const Request &request, int status) {
		if (options_.on_response) {
			options_.on_response(request, status);
		}
	}

	Router router_;
	ServerOptions options_;
	WorkerPool pool_;
	std::atomic<uint64_t> connections_{0};
	std::atomic<uint64_t> streams_{0};
	std::atomic<uint64_t> stats_refused_connections_{0};
	std::atomic<uint64_t> stats_refused_busy_{0};
	std::atomic<uint64_t> stats_refused_streams_{0};
	std::atomic<uint64_t> stats_too_large_{0};
	std::atomic<uint64_t> stats_timed_out_{0};
	std::atomic<bool> stopping_{false};

private:
	std::mutex mutex_;
	std::map<std::string, size_t> streams_by_client_;
	std::unordered_map<Session *, std::weak_ptr<Session>> sessions_;
	std::vector<std::thread> threads_;
	bool started_ = false;

public:
	// Declared last, destroyed first: pending operations own Sessions,
	// whose destructors still use the members above.
	asio::io_context io_{1};
	std::optional<tcp::acceptor> acceptor_;
	std::optional<asio::steady_timer> accept_retry_;
};

class Session : public std::enable_shared_from_this<Session> {
public:
	Session(Server::Impl &server, tcp::socket socket)
	    : server_(server), stream_(std::move(socket)), buffer_(server.options_.max_header_bytes + 4096),
	      heartbeat_(stream_.get_executor()) {
		server_.connections_++;
		beast::error_code ec;
		auto endpoint = stream_.socket().remote_endpoint(ec);
		remote_ = ec ? std::string("unknown") : endpoint.address().to_string();
	}

	~Session() {
		if (channel_) {
			channel_->close();
		}
		if (holds_stream_slot_) {
			server_.release_stream(remote_);
		}
		if (streaming_) {
			server_.streams_--;
		}
		server_.remove_session(this);
		server_.connections_--;
	}

	void start() {
		server_.add_session(this, weak_from_this());
		await_request();
	}

	//! From stop(): ends the connection whatever it is doing.
	void shut() {
		asio::post(stream_.get_executor(), [self = shared_from_this()] { self->close(); });
	}

private:
	const ServerOptions &options() const { return server_.options_; }

	void await_request() {
		if (closed_) {
			return;
		}
		reset_request();
		if (buffer_.size() > 0) {
			read_head(); // pipelined: the next request is already here
			return;
		}
		// The idle wait is long; once a request begins, its headers get
		// header_timeout, so a byte every few seconds does not keep it open.
		stream_.expires_after(options().idle_timeout);
		size_t room = buffer_.max_size() - buffer_.size();
		stream_.async_read_some(buffer_.prepare(std::min<size_t>(room, 4096)),
		                        [self = shared_from_this()](beast::error_code ec, size_t bytes) {
			                        if (ec) {
				                        self->close();
				                        return;
			                        }
			                        self->buffer_.commit(bytes);
			                        self->read_head();
		                        });
	}

	void read_head() {
		head_parser_.emplace();
		head_parser_->header_limit(static_cast<uint32_t>(options().max_header_bytes));
		head_parser_->body_limit(std::numeric_limits<uint64_t>::max());
		stream_.expires_after(options().header_timeout);
		bhttp::async_read_header(stream_, buffer_, *head_parser_,
		                         [self = shared_from_this()](beast::error_code ec, size_t) { self->on_head(ec); });
	}

	void on_head(beast::error_code ec) {
		if (ec == beast::error::timeout) {
			server_.stats_timed_out_++;
			close();
			return;
		}
		if (ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::operation_aborted ||
		    ec == asio::error::connection_reset) {
			close();
			return;
		}
		if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
			server_.stats_too_large_++;
			keep_alive_ = false;
			body_unread_ = true;
			write_error(431, "the request's headers are larger than " + std::to_string(options().max_header_bytes) +
			                     " bytes");
			return;
		}
		if (ec) {
			keep_alive_ = false;
			body_unread_ = true;
			write_error(400, "the request could not be read as HTTP/1.1 (" + ec.message() + ")");
			return;
		}
		auto &head = head_parser_->get();
		fill_request(head, request_);
		request_.remote_address = remote_;
		version_ = head.version();
		keep_alive_ = head.keep_alive();

		auto match = server_.router_.match(request_.method, request_.path);
		route_ = match.route;
		request_.path_params = std::move(match.params);

		auto length = head_parser_->content_length();
		bool has_body = head_parser_->chunked() || (length && *length > 0);
		body_unread_ = has_body;
		if (route_->options.admit) {
			if (auto refusal = route_->options.admit(request_)) {
				write_response(std::move(*refusal));
				return;
			}
		}
		size_t max_body = route_->options.max_body ? route_->options.max_body : options().default_max_body;
		if (length && *length > max_body) {
			server_.stats_too_large_++;
			write_error(413, "the request body has " + std::to_string(*length) + " bytes; " + request_.method + " " +
			                     request_.path + " accepts at most " + std::to_string(max_body));
			return;
		}
		if (route_->options.streams) {
			if (!server_.acquire_stream(remote_)) {
				write_error(429, "this client already holds " + std::to_string(options().max_streams_per_client) +
				                     " streams, the most one address may; close one first");
				return;
			}
			holds_stream_slot_ = true;
		}
		if (!has_body) {
			dispatch();
			return;
		}
		auto expect = head[bhttp::field::expect];
		if (beast::iequals(expect, "100-continue")) {
			auto go_on = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, version_);
			stream_.expires_after(options().transfer_timeout);
			bhttp::async_write(stream_, *go_on,
			                   [self = shared_from_this(), go_on, max_body](beast::error_code write_ec, size_t) {
				                   if (write_ec) {
					                   self->close();
					                   return;
				                   }
				                   self->read_body(max_body);
			                   });
			return;
		}
		read_body(max_body);
	}

	void read_body(size_t max_body) {
		body_parser_.emplace(std::move(*head_parser_));
		body_parser_->body_limit(max_body);
		auto length = body_parser_->content_length();
		stream_.expires_after(transfer_budget(options(), length ? *length : max_body));
		bhttp::async_read(
		    stream_, buffer_, *body_parser_,
		    [self = shared_from_this(), max_body](beast::error_code ec, size_t) { self->on_body(ec, max_body); });
	}

	void on_body(beast::error_code ec, size_t max_body) {
		if (ec == bhttp::error::body_limit) {
			server_.stats_too_large_++;
			write_error(413, "the request body is larger than the " + std::to_string(max_body) + " bytes " +
			                     request_.method + " " + request_.path + " accepts");
			return;
		}
		if (ec == beast::error::timeout) {
			server_.stats_timed_out_++;
			close();
			return;
		}
		if (ec) {
			close();
			return;
		}
		body_unread_ = false;
		request_.body = std::move(body_parser_->get().body());
		dispatch();
	}

	void dispatch() {
		stream_.expires_never(); // nothing is read while the handler runs
		auto task = [self = shared_from_this()] { self->run_handler(); };
		if (!server_.pool_.try_post(std::move(task))) {
			server_.stats_refused_busy_++;
			auto busy = options().error_response(503, "the server is busy; try again in a moment");
			busy.headers.set("Retry-After", "1");
			write_response(std::move(busy));
		}
	}

	//! Thread: a worker.
	void run_handler() {
		Response response;
		try {
			response = route_->handler(request_);
		} catch (const std::exception &e) {
			spdlog::error("{} {} failed: {}", request_.method, request_.path, e.what());
			response = options().error_response(500, std::string("internal error: ") + e.what());
		}
		asio::post(stream_.get_executor(), [self = shared_from_this(), answer = std::move(response)]() mutable {
			self->write_response(std::move(answer));
		});
	}

	void write_error(int status, const std::string &message) {
		write_response(options().error_response(status, message));
	}

	void write_response(Response response) {
		if (closed_) {
			return;
		}
		server_.respond(request_, response.status);
		if (response.stream && response.status == 200) {
			start_stream(std::move(response));
			return;
		}
		if (holds_stream_slot_) {
			server_.release_stream(remote_);
			holds_stream_slot_ = false;
		}
		if (body_unread_ || server_.stopping_) {
			keep_alive_ = false;
		}
		auto answer = std::make_shared<bhttp::response<bhttp::string_body>>();
		answer->version(version_ ? version_ : 11);
		answer->result(static_cast<unsigned>(response.status));
		auto reason = reason_phrase(response.status);
		if (!reason.empty()) {
			answer->reason(beast::string_view(reason.data(), reason.size()));
		}
		for (const auto &[name, value] : response.headers.fields()) {
			answer->insert(name, value);
		}
		if (!response.content_type.empty()) {
			answer->set(bhttp::field::content_type, response.content_type);
		}
		auto size = response.body.size();
		if (request_.method != "HEAD") {
			answer->body() = std::move(response.body);
		}
		answer->keep_alive(keep_alive_);
		if (response.status != 204 && response.status != 304) {
			answer->content_length(size);
		}
		stream_.expires_after(transfer_budget(options(), size));
		bhttp::async_write(stream_, *answer, [self = shared_from_this(), answer](beast::error_code ec, size_t) {
			if (ec) {
				self->close();
				return;
			}
			if (!self->keep_alive_) {
				self->linger();
				return;
			}
			self->await_request();
		});
	}

	//! After an answer that ends the connection: stop sending, then read and
	//! drop what the client still sends (a body we refused) for a moment, so
	//! that it reads our answer rather than a reset.
	void linger() {
		beast::error_code ignored;
		stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
		if (!body_unread_) {
			close();
			return;
		}
		linger_until_ = Clock::now() + std::chrono::seconds(5);
		drain();
	}

	void drain() {
		if (closed_ || Clock::now() >= linger_until_) {
			close();
			return;
		}
		stream_.expires_at(linger_until_);
		buffer_.clear();
		stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, size_t) {
			if (ec) {
				self->close();
				return;
			}
			self->drain();
		});
	}

	void start_stream(Response response) {
		channel_ = std::move(response.stream);
		streaming_ = true;
		server_.streams_++;
		auto head = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::ok, version_);
		for (const auto &[name, value] : response.headers.fields()) {
			head->insert(name, value);
		}
		head->set(bhttp::field::content_type, response.content_type);
		head->set(bhttp::field::cache_control, "no-cache");
		head->keep_alive(false);
		head->chunked(true);
		auto serializer = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*head);
		stream_.expires_after(options().transfer_timeout);
		bhttp::async_write_header(stream_, *serializer,
		                          [self = shared_from_this(), head, serializer](beast::error_code ec, size_t) {
			                          if (ec) {
				                          self->close();
				                          return;
			                          }
			                          self->stream_opened();
		                          });
	}

	void stream_opened() {
		last_write_ = Clock::now();
		std::weak_ptr<Session> weak = weak_from_this();
		auto executor = stream_.get_executor();
		channel_->attach([weak, executor] {
			asio::post(executor, [weak] {
				if (auto self = weak.lock()) {
					self->pump();
				}
			});
		});
		watch_client();
		schedule_heartbeat();
	}

	//! A streaming client sends nothing more; a read that completes means it
	//! closed the connection (or broke the protocol): end the stream.
	void watch_client() {
		buffer_.clear();
		stream_.expires_never();
		stream_.socket().async_read_some(buffer_.prepare(1024),
		                                 [self = shared_from_this()](beast::error_code, size_t) { self->close(); });
	}

	void schedule_heartbeat() {
		heartbeat_.expires_after(options().stream_heartbeat);
		heartbeat_.async_wait([weak = weak_from_this()](beast::error_code ec) {
			auto self = weak.lock();
			if (ec || !self || self->closed_) {
				return;
			}
			if (!self->writing_ && Clock::now() - self->last_write_ >= self->options().stream_heartbeat) {
				self->channel_->push(self->options().stream_heartbeat_text);
			}
			self->schedule_heartbeat();
		});
	}

	void pump() {
		if (closed_ || writing_) {
			return;
		}
		auto data = channel_->take();
		if (data.empty()) {
			if (channel_->closed()) {
				end_stream();
			}
			return;
		}
		writing_ = true;
		out_ = std::move(data);
		// Writes go on the socket itself: the stream's timer is the
		// client watch's, which must not expire.
		auto deadline = std::make_shared<asio::steady_timer>(stream_.get_executor());
		deadline->expires_after(transfer_budget(options(), out_.size()));
		deadline->async_wait([weak = weak_from_this()](beast::error_code ec) {
			if (ec) {
				return; // cancelled: the write finished
			}
			if (auto self = weak.lock()) {
				self->server_.stats_timed_out_++;
				self->close();
			}
		});
		asio::async_write(stream_.socket(), bhttp::make_chunk(asio::buffer(out_)),
		                  [self = shared_from_this(), deadline](beast::error_code ec, size_t) {
			                  deadline->cancel();
			                  self->writing_ = false;
			                  if (ec) {
				                  self->close();
				                  return;
			                  }
			                  self->last_write_ = Clock::now();
			                  self->pump();
		                  });
	}

	void end_stream() {
		if (closed_ || ending_) {
			return;
		}
		ending_ = true;
		asio::async_write(stream_.socket(), bhttp::make_chunk_last(),
		                  [self = shared_from_this()](beast::error_code, size_t) { self->close(); });
	}

	void close() {
		if (closed_) {
			return;
		}
		closed_ = true;
		if (channel_) {
			channel_->close();
		}
		heartbeat_.cancel();
		beast::error_code ignored;
		stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
		stream_.close();
	}

	void reset_request() {
		request_ = Request{};
		route_ = nullptr;
		body_unread_ = false;
		head_parser_.reset();
		body_parser_.reset();
	}

	Server::Impl &server_;
	beast::tcp_stream stream_;
	beast::flat_buffer buffer_;
	asio::steady_timer heartbeat_;
	std::string remote_;
	std::optional<bhttp::request_parser<bhttp::empty_body>> head_parser_;
	std::optional<bhttp::request_parser<bhttp::string_body>> body_parser_;
	Request request_;
	const Route *route_ = nullptr;
	unsigned version_ = 11;
	bool keep_alive_ = true;
	bool body_unread_ = false;
	bool closed_ = false;
	Clock::time_point linger_until_;
	// streaming
	std::shared_ptr<StreamChannel> channel_;
	bool holds_stream_slot_ = false;
	bool streaming_ = false;
	bool writing_ = false;
	bool ending_ = false;
	std::string out_;
	Clock::time_point last_write_;
};

int Server::Impl::start(const std::string &host, int port) {
	beast::error_code ec;
	auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
	if (ec) {
		throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) +
		                         ": not an IP address; use e.g. 127.0.0.1 or 0.0.0.0");
	}
	tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
	acceptor_.emplace(io_);
	acceptor_->open(endpoint.protocol(), ec);
	if (!ec) {
		acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
		acceptor_->bind(endpoint, ec);
	}
	if (!ec) {
		// The kernel's largest backlog: a burst of clients waits in it
		// instead of having its SYNs dropped.
		acceptor_->listen(asio::socket_base::max_listen_connections, ec);
	}
	if (ec) {
		throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) + " (" + ec.message() +
		                         "); pick another with --listen HOST:PORT");
	}
	int bound = acceptor_->local_endpoint().port();
	accept_retry_.emplace(io_);
	accept();
	threads_.emplace_back([this] { io_.run(); });
	started_ = true;
	return bound;
}

void Server::Impl::accept() {
	// `this` outlives every operation: stop() runs the loop dry and the
	// io_context, declared last, is destroyed first.
	acceptor_->async_accept(asio::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
		auto *self = this;
		if (self->stopping_) {
			return;
		}
		if (ec) {
			// Out of descriptors or the like: try again shortly rather than
			// stop serving for good.
			spdlog::warn("http: accept failed: {}", ec.message());
			self->accept_retry_->expires_after(std::chrono::milliseconds(100));
			self->accept_retry_->async_wait([self](beast::error_code wait_ec) {
				if (!wait_ec && !self->stopping_) {
					self->accept();
				}
			});
			return;
		}
		if (self->connections_ >= self->options_.max_connections) {
			self->stats_refused_connections_++;
			static const std::string busy = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
			                                "Content-Length: 38\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"
			                                "too many connections; try again later\n";
			beast::error_code ignored;
			socket.non_blocking(true, ignored);
			socket.write_some(asio::buffer(busy), ignored);
			socket.close(ignored);
		} else {
			std::make_shared<Session>(*self, std::move(socket))->start();
		}
		self->accept();
	});
}

void Server::Impl::stop() {
	if (!started_ || stopping_.exchange(true)) {
		return;
	}
	asio::post(io_, [this] {
		beast::error_code ignored;
		acceptor_->close(ignored);
		accept_retry_->cancel();
	});
	std::vector<std::shared_ptr<Session>> open;
	{
		std::lock_guard lock(mutex_);
		for (auto &[raw, weak] : sessions_) {
			if (auto session = weak.lock()) {
				open.push_back(std::move(session));
			}
		}
	}
	for (auto &session : open) {
		session->shut();
	}
	open.clear();
	// Running handlers finish (their answers go nowhere), then the loop
	// gets a moment to end the connections, so that every stream's channel
	// is closed before the loop stops and no producer posts to it after.
	pool_.stop();
	auto deadline = Clock::now() + std::chrono::seconds(2);
	while (connections_ > 0 && Clock::now() < deadline) {
		std::this_thread::sleep_for(std::chrono::milliseconds(5));
	}
	io_.stop();
	for (auto &thread : threads_) {
		thread.join();
	}
	threads_.clear();
}

Server::Server(Router router, ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(router), std::move(options))) {}

Server::~Server() {
	stop();
}

int Server::start(const std::string &host, int port) {
	return impl_->start(host, port);
}

void Server::stop() {
	impl_->stop();
}

const Router &Server::router() const {
	return impl_->router_;
}

ServerStats Server::stats() const {
	ServerStats stats;
	stats.connections = impl_->connections_;
	stats.streams = impl_->streams_;
	stats.refused_connections = impl_->stats_refused_connections_;
	stats.refused_busy = impl_->stats_refused_busy_;
	stats.refused_streams = impl_->stats_refused_streams_;
	stats.refused_too_large = impl_->stats_too_large_;
	stats.timed_out = impl_->stats_timed_out_;
	return stats;
}

} // namespace kafkaml::http
