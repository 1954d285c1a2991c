// The network loop. Each connection goes through these states:
//
//   accepted ──(TLS listener)──> TLS handshake ──> SASL handshake ──> open
//       │                            (SSL_do_handshake,     │
//       └──(plaintext listener)──────────────┬──── WANT_READ/WRITE) │
//                                            │                      │
//                      (non-SASL listener) ──┴──────────────────────┘
//
// - TLS handshake: driven by whichever socket event OpenSSL asked for. A
//   failure (a plaintext client, garbage, an untrusted or missing client
//   certificate) closes that connection with a log line.
// - SASL handshake (SaslGate): ApiVersions is served, SaslHandshake picks a
//   mechanism, then SaslAuthenticate requests (handshake v1) or bare tokens
//   (handshake v0, kafka-python) carry the exchange. Any other API closes
//   the connection; a failed exchange is answered (SASL_AUTHENTICATION_FAILED
//   with Kafka's message) and then closed.
// - open: requests go to RequestHandler. Over TLS every byte goes through
//   SSL_read/SSL_write: fetched log data is pread into a bounded per-
//   connection buffer instead of sendfile'd. Plaintext connections keep the
//   sendfile/writev path untouched.
//
// TLS 1.3 may need to write while reading (and the reverse); read_wants_write
// and write_wants_read retry the operation on the other event. OpenSSL may
// hold decrypted bytes epoll does not report: such connections are read again
// in the same iteration (note_tls_pending).
#include "broker/server/network_loop.h"

#include "broker/group/group_api.h"

#include <spdlog/spdlog.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdexcept>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace kafkaml::broker::server {

namespace {

//! Listener i is polled under tag kListenTag + i; connection ids count from 1.
constexpr uint64_t kListenTag = 1ull << 62;
constexpr uint64_t kWakeTag = ~0ull;
//! Stop reading from a muted connection beyond this much buffered input.
constexpr size_t kMaxBufferedIn = 8u << 20;
//! Stop decoding new requests while this much output is unsent.
constexpr size_t kMaxBufferedOut = 64u << 20;
constexpr size_t kReadChunk = 256u << 10;
//! Fetched log data goes through SSL_write in pieces of this size.
constexpr size_t kTlsFileChunk = 256u << 10;

int64_t wall_ms() {
	return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
	    .count();
}

std::string peer_host(const sockaddr_storage &addr) {
	char host[INET6_ADDRSTRLEN] = "?";
	if (addr.ss_family == AF_INET) {
		::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in &>(addr).sin_addr, host, sizeof(host));
	} else if (addr.ss_family == AF_INET6) {
		::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6 &>(addr).sin6_addr, host, sizeof(host));
	}
	return host;
}

} // namespace

NetworkLoop::NetworkLoop(const BrokerConfig &config, RequestHandler &handler, storage::LogManager &logs,
                         group::GroupApi *groups)
    : config_(config), handler_(handler), logs_(logs), groups_(groups), users_(config.data_dir) {
	for (const auto &l : config_.listeners) {
		if (uses_tls(l.protocol) && !tls_) {
			tls_ = std::make_unique<TlsContext>(config_.tls);
		}
	}
	epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
	wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (epoll_fd_ < 0 || wake_fd_ < 0) {
		throw std::runtime_error(std::string("cannot create the event loop: ") + std::strerror(errno));
	}
	epoll_event ev{};
	ev.events = EPOLLIN;
	ev.data.u64 = kWakeTag;
	::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
}

NetworkLoop::~NetworkLoop() {
	for (auto &[id, c] : connections_) {
		::close(c->fd);
	}
	for (auto &l : listeners_) {
		::close(l.fd);
	}
	for (int fd : {wake_fd_, epoll_fd_}) {
		if (fd >= 0) {
			::close(fd);
		}
	}
}

int32_t NetworkLoop::bind(const ListenerConfig &listener) {
	std::string listen = std::string(protocol_name(listener.protocol)) + "://" + listener.address();
	const std::string &host = listener.host;
	std::string port = std::to_string(listener.port);
	int listen_fd = -1;
	addrinfo hints{};
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	addrinfo *res = nullptr;
	if (int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &res); rc != 0) {
		throw std::runtime_error("cannot resolve listen address '" + listen + "': " + ::gai_strerror(rc));
	}
	std::string error = "no usable address";
	for (auto *ai = res; ai; ai = ai->ai_next) {
		int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			continue;
		}
		int one = 1;
		::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, 512) == 0) {
			listen_fd = fd;
			break;
		}
		error = std::strerror(errno);
		::close(fd);
	}
	::freeaddrinfo(res);
	if (listen_fd < 0) {
		throw std::runtime_error("cannot listen on " + listen + ": " + error +
		                         " (is another broker using this port? use port 0 for a free one)");
	}
	sockaddr_storage bound{};
	socklen_t len = sizeof(bound);
	::getsockname(listen_fd, reinterpret_cast<sockaddr *>(&bound), &len);
	int32_t bound_port = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6 &>(bound).sin6_port)
	                                                 : ntohs(reinterpret_cast<sockaddr_in &>(bound).sin_port);
	epoll_event ev{};
	ev.events = EPOLLIN;
	ev.data.u64 = kListenTag + listeners_.size();
	::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd, &ev);
	listeners_.push_back({listen_fd, listener});
	return bound_port;
}

void NetworkLoop::request_stop() {
	uint64_t one = 1;
	[[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof(one));
}

int NetworkLoop::timeout_ms(std::chrono::steady_clock::time_point now) const {
	auto next = std::min(handler_.next_deadline(), now + std::chrono::milliseconds(100));
	auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count();
	return static_cast<int>(std::clamp<int64_t>(ms + 1, 0, 100));
}

void NetworkLoop::run() {
	auto now = std::chrono::steady_clock::now();
	last_tick_ = last_sync_ = last_retention_ = now;
	logs_.enforce_retention(wall_ms());
	epoll_event events[128];
	bool stopping = false;
	while (!stopping) {
		int n = ::epoll_wait(epoll_fd_, events, 128, timeout_ms(std::chrono::steady_clock::now()));
		if (n < 0 && errno != EINTR) {
			spdlog::error("epoll_wait failed: {}", std::strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			uint64_t tag = events[i].data.u64;
			if (tag == kWakeTag) {
				stopping = true;
				continue;
			}
			if (tag >= kListenTag && tag < kListenTag + listeners_.size()) {
				accept_all(tag - kListenTag);
				continue;
			}
			auto it = connections_.find(tag);
			if (it == connections_.end()) {
				continue;
			}
			auto &c = *it->second;
			if (events[i].events & (EPOLLERR | EPOLLHUP)) {
				if (c.tls && !c.tls->handshake_done() && (events[i].events & EPOLLIN)) {
					on_readable(c); // what it sent before hanging up says why (logged)
				}
				c.dead = true;
				continue;
			}
			if (c.tls && !c.tls->handshake_done()) {
				on_readable(c);
				continue;
			}
			if (events[i].events & EPOLLOUT) {
				if (c.read_wants_write) {
					c.read_wants_write = false;
					on_readable(c);
				}
				flush(c);
			}
			if (events[i].events & EPOLLIN) {
				if (c.write_wants_read) {
					c.write_wants_read = false;
					flush(c);
				}
				on_readable(c);
			}
		}
		now = std::chrono::steady_clock::now();
		handler_.poll(now);
		periodic(now);
		// Connections whose pending request was answered decode their next
		// one; TLS connections with decrypted input waiting read it.
		while (!ready_.empty() || !tls_pending_.empty()) {
			auto ready = std::move(ready_);
			ready_.clear();
			for (uint64_t id : ready) {
				if (auto it = connections_.find(id); it != connections_.end()) {
					process_frames(*it->second);
					note_tls_pending(*it->second);
				}
			}
			auto pending = std::move(tls_pending_);
			tls_pending_.clear();
			for (uint64_t id : pending) {
				if (auto it = connections_.find(id); it != connections_.end()) {
					on_readable(*it->second);
				}
			}
		}
		close_dead();
	}
	handler_.flush_parked();
	if (groups_) {
		groups_->shutdown();
	}
	for (auto &[id, c] : connections_) {
		flush(*c);
	}
	logs_.sync_all();
}

void NetworkLoop::periodic(std::chrono::steady_clock::time_point now) {
	if (groups_ && now - last_tick_ >= std::chrono::milliseconds(100)) {
		last_tick_ = now;
		groups_->tick();
	}
	// A round still running (slow disk) delays the next one rather than
	// piling syncs up.
	if (config_.fsync == FsyncPolicy::Interval && now - last_sync_ >= std::chrono::seconds(1) && !syncer_.busy()) {
		last_sync_ = now;
		auto fds = logs_.take_sync_fds();
		if (!fds.empty()) {
			syncer_.submit(fds);
		}
	}
	if (now - last_retention_ >= config_.retention_check_interval) {
		last_retention_ = now;
		logs_.enforce_retention(wall_ms());
	}
}

void NetworkLoop::accept_all(size_t listener) {
	const auto &l = listeners_[listener];
	while (true) {
		sockaddr_storage addr{};
		socklen_t len = sizeof(addr);
		int fd = ::accept4(l.fd, reinterpret_cast<sockaddr *>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				spdlog::warn("accept failed: {}", std::strerror(errno));
			}
			return;
		}
		int one = 1;
		::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		auto c = std::make_unique<Connection>();
		c->fd = fd;
		c->id = next_id_++;
		c->host = peer_host(addr);
		c->listener = listener;
		c->events = EPOLLIN;
		try {
			if (uses_tls(l.config.protocol)) {
				c->tls = std::make_unique<TlsSession>(*tls_, fd);
			}
		} catch (const std::exception &e) {
			spdlog::error("closing connection from {}: {}", c->host, e.what());
			::close(fd);
			continue;
		}
		c->sasl = std::make_unique<SaslGate>(uses_sasl(l.config.protocol), config_.sasl_mechanisms, users_, c->host);
		epoll_event ev{};
		ev.events = c->events;
		ev.data.u64 = c->id;
		::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
		spdlog::debug("connection {} from {}", c->id, c->host);
		connections_.emplace(c->id, std::move(c));
	}
}

bool NetworkLoop::tls_handshake(Connection &c) {
	switch (c.tls->handshake()) {
	case TlsIo::Ok:
		spdlog::debug("connection {} from {}: {} established{}", c.id, c.host, c.tls->version(),
		              c.tls->peer_subject().empty() ? "" : ", client certificate " + c.tls->peer_subject());
		c.handshake_wants = 0;
		return true;
	case TlsIo::WantRead:
		c.handshake_wants = EPOLLIN;
		break;
	case TlsIo::WantWrite:
		c.handshake_wants = EPOLLOUT;
		break;
	case TlsIo::Closed:
	case TlsIo::Failed:
		spdlog::warn("closing connection from {} on {} listener: TLS handshake failed: {}", c.host,
		             protocol_name(listeners_[c.listener].config.protocol), c.tls->error());
		c.dead = true;
		return false;
	}
	update_interest(c);
	return false;
}

bool NetworkLoop::read_some(Connection &c, size_t &n) {
	size_t room = c.in.tail_room();
	n = 0;
	if (!c.tls) {
		ssize_t got = ::read(c.fd, c.in.tail(), room);
		if (got <= 0) {
			if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
				c.dead = true; // peer closed, or failed
			}
			return false;
		}
		n = static_cast<size_t>(got);
		c.in.commit(n);
		// A short read drained the socket.
		return n == room;
	}
	switch (c.tls->read(c.in.tail(), room, n)) {
	case TlsIo::Ok:
		c.in.commit(n);
		return true; // one TLS record at a time: read until WANT_READ
	case TlsIo::WantRead:
		return false;
	case TlsIo::WantWrite:
		c.read_wants_write = true;
		return false;
	case TlsIo::Closed:
		c.dead = true;
		return false;
	case TlsIo::Failed:
		spdlog::warn("closing connection from {}: TLS read failed: {}", c.host, c.tls->error());
		c.dead = true;
		return false;
	}
	return false;
}

void NetworkLoop::note_tls_pending(Connection &c) {
	if (c.tls && !c.dead && !c.waiting && c.in.size() < kMaxBufferedIn && c.tls->handshake_done() &&
	    c.tls->has_pending()) {
		tls_pending_.push_back(c.id);
	}
}

void NetworkLoop::on_readable(Connection &c) {
	if (c.tls && !c.tls->handshake_done() && !tls_handshake(c)) {
		return;
	}
	while (!c.dead) {
		// Size of the frame at the head, when its size is in (and sane).
		size_t head_frame = 0;
		if (c.in.size() >= 4) {
			auto frame = static_cast<int32_t>(protocol::load_be32(c.in.head()));
			if (frame > 0 && static_cast<size_t>(frame) <= config_.max_frame_bytes) {
				head_frame = static_cast<size_t>(frame) + 4;
			}
		}
		if (c.in.size() >= kMaxBufferedIn && (c.waiting || c.in.size() >= head_frame)) {
			// Handle what is here first: a client that sends faster than we
			// read would otherwise grow the buffer for as long as it keeps
			// the socket full. Muted, update_interest() stops EPOLLIN;
			// otherwise the level-triggered poll brings us back at once. A
			// frame larger than the limit is read whole before that.
			break;
		}
		// Room for the whole frame being received when it is large, so it
		// arrives in place without further moves.
		size_t want = kReadChunk;
		if (head_frame > c.in.size()) {
			want = std::max(want, head_frame - c.in.size());
		}
		c.in.reserve_tail(want);
		size_t n = 0;
		if (!read_some(c, n)) {
			break;
		}
	}
	process_frames(c);
	note_tls_pending(c);
}

void NetworkLoop::send_now(Connection &c, OutFrame frame) {
	for (auto &chunk : frame.chunks()) {
		c.out_bytes += chunk_size(chunk);
		c.out.push_back(std::move(chunk));
	}
	flush(c);
}

void NetworkLoop::process_frames(Connection &c) {
	while (!c.dead && !c.waiting && !c.close_when_sent && c.out_bytes < kMaxBufferedOut) {
		size_t avail = c.in.size();
		if (avail < 4) {
			break;
		}
		auto size = static_cast<int32_t>(protocol::load_be32(c.in.head()));
		if (c.sasl->raw_tokens() && size >= 0 && static_cast<size_t>(size) <= config_.max_frame_bytes) {
			// After SaslHandshake v0: a bare token, no request header.
			if (avail < 4 + static_cast<size_t>(size)) {
				break;
			}
			OutFrame out;
			auto verdict = SaslGate::Verdict::Close;
			try {
				verdict = c.sasl->on_raw_token(std::span<const uint8_t>(c.in.head() + 4, size), out);
			} catch (const std::exception &e) {
				spdlog::error("closing connection from {}: SASL exchange failed: {}", c.host, e.what());
			}
			c.in.consume(4 + static_cast<size_t>(size));
			if (verdict == SaslGate::Verdict::Close) {
				c.dead = true;
				break;
			}
			send_now(c, std::move(out));
			continue;
		}
		if (size < 8 || static_cast<size_t>(size) > config_.max_frame_bytes) {
			spdlog::warn("closing connection from {}: request frame of {} bytes (limit {})", c.host, size,
			             config_.max_frame_bytes);
			c.dead = true;
			break;
		}
		if (avail < 4 + static_cast<size_t>(size)) {
			break;
		}
		// Consumed only after handling: consume() may release the buffer, and
		// the handler reads (and Produce rewrites) the frame in place.
		std::span<uint8_t> frame(c.in.head() + 4, static_cast<size_t>(size));
		Request request;
		try {
			request = decode_request(frame, c.host);
			request.listener = c.listener;
			OutFrame answer;
			auto verdict = c.sasl->on_request(request, answer);
			if (verdict != SaslGate::Verdict::Pass) {
				c.in.consume(4 + static_cast<size_t>(size));
				if (verdict == SaslGate::Verdict::Close) {
					c.close_when_sent = true;
				}
				send_now(c, std::move(answer));
				continue;
			}
			c.waiting = true;
			uint64_t id = c.id;
			handler_.handle(request, [this, id](OutFrame out) { on_reply(id, std::move(out)); });
		} catch (const std::exception &e) {
			spdlog::warn("closing connection from {} (client '{}'): bad request api_key={} version={}: {}", c.host,
			             request.header.client_id.value_or(""), request.header.api_key, request.header.api_version,
			             e.what());
			c.dead = true;
		}
		c.in.consume(4 + static_cast<size_t>(size));
	}
	update_interest(c);
}

void NetworkLoop::on_reply(uint64_t id, OutFrame frame) {
	auto it = connections_.find(id);
	if (it == connections_.end()) {
		return; // connection gone: drop the response
	}
	auto &c = *it->second;
	for (auto &chunk : frame.chunks()) {
		c.out_bytes += chunk_size(chunk);
		c.out.push_back(std::move(chunk));
	}
	c.waiting = false;
	ready_.push_back(id);
	flush(c);
}

bool NetworkLoop::send_file_chunk(Connection &c) {
	const auto &range = std::get<storage::FileRange>(c.out.front());
	auto position = static_cast<off_t>(range.position() + c.out_start);
	size_t left = range.length() - c.out_start;
	ssize_t n = ::sendfile(c.fd, range.fd(), &position, left);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
			return false;
		}
		spdlog::warn("closing connection from {}: sending log data failed: {}", c.host, std::strerror(errno));
		c.dead = true;
		return false;
	}
	if (n == 0) {
		// The file is shorter than the range: it cannot be, unless someone
		// truncated the log behind the broker's back.
		spdlog::error("closing connection from {}: log file ended {} bytes early", c.host, left);
		c.dead = true;
		return false;
	}
	auto sent = static_cast<size_t>(n);
	c.out_bytes -= sent;
	c.out_start += sent;
	if (c.out_start == range.length()) {
		c.out.pop_front();
		c.out_start = 0;
	}
	return true;
}

void NetworkLoop::flush_tls(Connection &c) {
	while (!c.out.empty() && !c.dead) {
		auto &head = c.out.front();
		const uint8_t *data = nullptr;
		size_t len = 0;
		auto *range = std::get_if<storage::FileRange>(&head);
		if (range) {
			if (c.stage_sent == c.stage_len) {
				if (!c.file_stage) {
					c.file_stage = std::make_unique<uint8_t[]>(kTlsFileChunk);
				}
				size_t want = std::min(kTlsFileChunk, range->length() - c.out_start);
				ssize_t n =
				    ::pread(range->fd(), c.file_stage.get(), want, static_cast<off_t>(range->position() + c.out_start));
				if (n <= 0) {
					if (n < 0 && errno == EINTR) {
						continue;
					}
					spdlog::error("closing connection from {}: reading log data failed: {}", c.host,
					              n == 0 ? "the file ended early" : std::strerror(errno));
					c.dead = true;
					break;
				}
				c.stage_len = static_cast<size_t>(n);
				c.stage_sent = 0;
			}
			data = c.file_stage.get() + c.stage_sent;
			len = c.stage_len - c.stage_sent;
		} else {
			auto &bytes = std::get<std::vector<uint8_t>>(head);
			data = bytes.data() + c.out_start;
			len = bytes.size() - c.out_start;
		}
		size_t sent = 0;
		auto io = c.tls->write(data, len, sent);
		if (io == TlsIo::WantWrite) {
			break;
		}
		if (io == TlsIo::WantRead) {
			c.write_wants_read = true;
			break;
		}
		if (io != TlsIo::Ok) {
			if (io == TlsIo::Failed) {
				spdlog::warn("closing connection from {}: TLS write failed: {}", c.host, c.tls->error());
			}
			c.dead = true;
			break;
		}
		c.out_bytes -= sent;
		c.out_start += sent;
		if (range) {
			c.stage_sent += sent;
		}
		if (c.out_start == chunk_size(head)) {
			c.out.pop_front();
			c.out_start = 0;
			c.stage_len = c.stage_sent = 0;
		}
	}
}

void NetworkLoop::flush(Connection &c) {
	if (c.tls) {
		if (c.tls->handshake_done()) {
			flush_tls(c);
		}
		if (c.out.empty() && c.close_when_sent) {
			c.dead = true;
		}
		update_interest(c);
		return;
	}
	while (!c.out.empty() && !c.dead) {
		if (std::holds_alternative<storage::FileRange>(c.out.front())) {
			if (!send_file_chunk(c)) {
				break;
			}
			continue;
		}
		// Consecutive in-memory chunks go out in one writev.
		iovec iov[16];
		int count = 0;
		size_t skip = c.out_start;
		for (auto &chunk : c.out) {
			auto *bytes = std::get_if<std::vector<uint8_t>>(&chunk);
			if (count == 16 || !bytes) {
				break;
			}
			iov[count].iov_base = bytes->data() + skip;
			iov[count].iov_len = bytes->size() - skip;
			skip = 0;
			count++;
		}
		ssize_t n = ::writev(c.fd, iov, count);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				break;
			}
			if (errno == EINTR) {
				continue;
			}
			c.dead = true;
			break;
		}
		auto sent = static_cast<size_t>(n);
		c.out_bytes -= sent;
		while (sent > 0) {
			size_t left = chunk_size(c.out.front()) - c.out_start;
			if (sent >= left) {
				sent -= left;
				c.out.pop_front();
				c.out_start = 0;
			} else {
				c.out_start += sent;
				sent = 0;
			}
		}
	}
	if (c.out.empty() && c.close_when_sent) {
		c.dead = true;
	}
	update_interest(c);
}

void NetworkLoop::update_interest(Connection &c) {
	if (c.dead) {
		return;
	}
	uint32_t want = 0;
	if (c.tls && !c.tls->handshake_done()) {
		want = c.handshake_wants;
	} else {
		if (!(c.waiting && c.in.size() >= kMaxBufferedIn) || c.write_wants_read) {
			want |= EPOLLIN;
		}
		if (!c.out.empty() || c.read_wants_write) {
			want |= EPOLLOUT;
		}
	}
	if (want != c.events) {
		c.events = want;
		epoll_event ev{};
		ev.events = want;
		ev.data.u64 = c.id;
		::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
	}
}

void NetworkLoop::close_dead() {
	for (auto it = connections_.begin(); it != connections_.end();) {
		if (!it->second->dead) {
			++it;
			continue;
		}
		spdlog::debug("connection {} from {} closed", it->second->id, it->second->host);
		::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, it->second->fd, nullptr);
		::close(it->second->fd);
		it = connections_.erase(it);
	}
}

} // namespace kafkaml::broker::server
