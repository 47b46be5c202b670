#include "tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <stdexcept>

#include "errors.h"

namespace tcpnet {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using boost::system::error_code;

namespace {

// The last OpenSSL error as text without the library's prefix, for a one-line message.
std::string lastError(const boost::system::system_error& e) {
  std::string what = e.code().message();
  return what.empty() ? e.what() : what;
}

}  // namespace

TlsContexts::TlsContexts(const Options& options) : client_(ssl::context::tls_client) {
  // TLS 1.2 is the oldest version still considered safe (RFC 8996 retired 1.0 and 1.1).
  SSL_CTX_set_min_proto_version(client_.native_handle(), TLS1_2_VERSION);
  client_.set_default_verify_paths();
  if (!options.tlsCa.empty()) {
    try {
      client_.load_verify_file(options.tlsCa);
    } catch (const boost::system::system_error& e) {
      throw std::invalid_argument("--tls-ca " + options.tlsCa + ": cannot use it as a CA certificate (" +
                                  lastError(e) + ")");
    }
  }
  if (options.tlsCert.empty() != options.tlsKey.empty())
    throw std::invalid_argument("--tls-cert and --tls-key go together");
  if (options.tlsCert.empty()) return;
  server_ = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(server_->native_handle(), TLS1_2_VERSION);
  try {
    server_->use_certificate_chain_file(options.tlsCert);
  } catch (const boost::system::system_error& e) {
    throw std::invalid_argument("--tls-cert " + options.tlsCert + ": not a PEM certificate (" + lastError(e) + ")");
  }
  try {
    server_->use_private_key_file(options.tlsKey, ssl::context::pem);
  } catch (const boost::system::system_error& e) {
    throw std::invalid_argument("--tls-key " + options.tlsKey + ": not a PEM private key (" + lastError(e) + ")");
  }
  if (SSL_CTX_check_private_key(server_->native_handle()) != 1)
    throw std::invalid_argument("--tls-key " + options.tlsKey + " does not belong to --tls-cert " + options.tlsCert);
}

std::unique_ptr<TlsStream> clientStream(asio::io_context& io, TlsContexts& contexts, const std::string& host,
                                        bool verify) {
  auto stream = std::make_unique<TlsStream>(io, contexts.client());
  SSL* ssl = stream->native_handle();
  error_code ec;
  asio::ip::make_address(host, ec);
  const bool literal = !ec;
  if (!literal) SSL_set_tlsext_host_name(ssl, host.c_str());  // SNI is for names only (RFC 6066)
  if (verify) {
    stream->set_verify_mode(ssl::verify_peer);
    // OpenSSL checks the name (or address) itself during verification, so that a mismatch is its
    // own verification result (X509_V_ERR_HOSTNAME_MISMATCH) and the guest learns "badname".
    if (literal) X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
    else SSL_set1_host(ssl, host.c_str());
  } else {
    stream->set_verify_mode(ssl::verify_none);
  }
  return stream;
}

Reason handshakeReason(const TlsStream& stream, const error_code& ec) {
  long verified = SSL_get_verify_result(const_cast<TlsStream&>(stream).native_handle());
  switch (verified) {
    case X509_V_OK: break;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
    case X509_V_ERR_EMAIL_MISMATCH: return Reason::BadName;
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID: return Reason::Expired;
    default: return Reason::Untrusted;
  }
  if (ec.category() == asio::error::get_ssl_category()) {
    switch (ERR_GET_REASON(static_cast<unsigned long>(ec.value()))) {
      case SSL_R_WRONG_VERSION_NUMBER:  // a plain server's answer read as a TLS record
      case SSL_R_HTTP_REQUEST:
      case SSL_R_HTTPS_PROXY_REQUEST:
      case SSL_R_PACKET_LENGTH_TOO_LONG:
      case SSL_R_RECORD_LENGTH_MISMATCH:
      case SSL_R_UNEXPECTED_RECORD:
      case SSL_R_UNEXPECTED_MESSAGE: return Reason::Protocol;
      default: return Reason::Handshake;
    }
  }
  if (ec.category() == boost::system::system_category()) return classify(ec, Stage::Stream);  // reset
  return Reason::Handshake;  // the peer closed during the handshake
}

Reason streamReason(const error_code& ec) {
  if (ec == ssl::error::stream_truncated) return Reason::Protocol;  // TCP end without close_notify
  if (ec.category() == asio::error::get_ssl_category() || ec.category() == ssl::error::get_stream_category())
    return Reason::Protocol;
  return classify(ec, Stage::Stream);
}

std::string sessionText(TlsStream& stream) {
  SSL* ssl = stream.native_handle();
  const char* cipher = SSL_get_cipher_name(ssl);
  return std::string(SSL_get_version(ssl)) + " " + (cipher ? cipher : "?");
}

std::string versionText(const std::string& sessionText) { return sessionText.substr(0, sessionText.find(' ')); }

std::vector<uint8_t> closeNotify(TlsStream& stream) {
  SSL* ssl = stream.native_handle();
  // Asio's engine keeps the socket side of a BIO pair to itself; for the length of one
  // SSL_shutdown the SSL object writes into a memory BIO instead, and gets its own back.
  BIO* network = SSL_get_wbio(ssl);
  BIO* memory = BIO_new(BIO_s_mem());
  if (memory == nullptr) return {};
  BIO_up_ref(network);         // SSL_set0_wbio releases the SSL's reference to it
  SSL_set0_wbio(ssl, memory);  // the SSL owns memory now
  SSL_shutdown(ssl);           // writes close_notify; 0 = the peer's has not come yet
  char* data = nullptr;
  long n = BIO_get_mem_data(memory, &data);
  std::vector<uint8_t> bytes(data, data + (n > 0 ? n : 0));
  SSL_set0_wbio(ssl, network);  // frees memory, takes back our reference
  return bytes;
}

}  // namespace tcpnet
