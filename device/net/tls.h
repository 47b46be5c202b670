// TLS for the TCPNet device, on the network thread: the two OpenSSL contexts (client: the host's
// CA store, --tls-ca, or no verification with --tls-insecure; server: --tls-cert, --tls-key), and
// what Boost.Asio's ssl::stream does not offer: naming a failed handshake's cause for the guest,
// and sending close_notify without waiting for the peer's (SHUTDOWN is a half-close).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <memory>
#include <string>
#include <vector>

#include "device/registers/options.h"
#include "device/registers/registers.h"

namespace tcpnet {

using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

class TlsContexts {
 public:
  // Throws std::invalid_argument with one line (a file that cannot be read, a key that does not
  // belong to the certificate).
  explicit TlsContexts(const Options& options);

  boost::asio::ssl::context& client() { return client_; }
  boost::asio::ssl::context* server() { return server_ ? &*server_ : nullptr; }  // null: no --tls-cert

 private:
  boost::asio::ssl::context client_;
  std::unique_ptr<boost::asio::ssl::context> server_;
};

// A client stream set up for `host` (a name, or an IP literal without brackets): SNI for a name,
// and OpenSSL's own check of the certificate's name or address (unless verification is off).
std::unique_ptr<TlsStream> clientStream(boost::asio::io_context& io, TlsContexts& contexts,
                                        const std::string& host, bool verify);

// Why a handshake failed: the certificate's verification result if there is one, else the
// error (not TLS at all: protocol; the peer's alert or nothing in common: handshake).
Reason handshakeReason(const TlsStream& stream, const boost::system::error_code& ec);

// Why an established TLS stream ended with `ec` (not a clean close_notify): a TCP end without
// close_notify or a broken record is protocol; socket errors as for plain streams.
Reason streamReason(const boost::system::error_code& ec);

// "TLSv1.3 TLS_AES_256_GCM_SHA384": the negotiated version and cipher (TLSINFO's text).
std::string sessionText(TlsStream& stream);
// "TLSv1.3": the version alone (tcpnet-lsof).
std::string versionText(const std::string& sessionText);

// Makes OpenSSL write close_notify and returns its bytes, to be written to the socket by the
// caller while no write is in flight. Asio's async_shutdown would send it too, but then waits
// for the peer's close_notify and reads nothing else: a half-closed stream could not receive.
std::vector<uint8_t> closeNotify(TlsStream& stream);

}  // namespace tcpnet
