#include "tcpnet.h"

namespace tcpnet {

TcpNet::TcpNet(risc5::GuestMemory& memory, risc5::WakeSignal& waker, const Options& options)
    : options_(options),
      inbox_(waker),
      backend_(inbox_, options_),
      device_(memory, backend_, inbox_, options_) {}

}  // namespace tcpnet
