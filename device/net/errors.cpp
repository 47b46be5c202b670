#include "errors.h"

#include <boost/asio/error.hpp>
#include <cerrno>

namespace tcpnet {

Reason classify(const boost::system::error_code& ec, Stage stage) {
  namespace error = boost::asio::error;
  if (ec.category() == error::get_netdb_category() || ec.category() == error::get_addrinfo_category())
    return Reason::Lookup;
  if (ec.category() == boost::system::system_category()) {
    switch (ec.value()) {
      case ECONNREFUSED: return Reason::Refused;
      case ENETUNREACH:
      case EHOSTUNREACH:
      case ENETDOWN:
      case EADDRNOTAVAIL: return Reason::Unreachable;
      case ETIMEDOUT: return Reason::Timeout;
      case EADDRINUSE:
      case EACCES:
      case EPERM: return Reason::PortBusy;
      case ENOBUFS:
      case ENOMEM:
      case EMFILE:
      case ENFILE: return Reason::NoResources;
      case ECONNRESET:
      case ECONNABORTED: return Reason::Reset;
      case EPIPE:
      case ESHUTDOWN: return Reason::Closed;
      default: break;
    }
  }
  switch (stage) {
    case Stage::Connect: return Reason::Unreachable;
    case Stage::Listen: return Reason::PortBusy;
    case Stage::Stream: return Reason::Reset;
  }
  return Reason::Reset;
}

}  // namespace tcpnet
