// Register map, commands, result codes, status bits and error reasons of the TCPNet device.
// docs/tcpnet-device.md is the normative description; the numbers here must match it.
#pragma once

#include <cstdint>

namespace tcpnet {

inline constexpr int kSlots = 32;
inline constexpr int kListenPorts = 4;
inline constexpr uint32_t kMagic = 0x5443504E;  // 'TCPN'
inline constexpr uint32_t kVersion = 1;
inline constexpr uint32_t kMaxName = 63;     // host name characters, without the 0
inline constexpr uint32_t kMaxFileName = 32;  // NAMES: characters of each file name, without the 0
inline constexpr uint32_t kMaxLength = 0x7FFFFFFF;
inline constexpr uint32_t kNoLimit = 0x7FFFFFFF;  // LIMIT: receive without a limit (a stream)

// Byte offsets inside the extension window (address = 0FFFFFF00H + offset, i.e. -256 + offset).
namespace reg {
inline constexpr uint32_t ID = 0, VERSION = 4, SRQ = 8, SLOT = 12, CMD = 16, ADR = 20, LEN = 24,
                          PORT = 28, LIMIT = 32, STATUS = 36, RXAVAIL = 40, TXFREE = 44,
                          LPORT = 48, RPORT = 52, STATE = 56, INUSE = 60;
}

enum class Command : uint32_t {
  Open = 1, Listen = 2, Send = 3, Recv = 4, Shutdown = 5, Close = 6, Abort = 7, Laddr = 8, Raddr = 9,
  Names = 10,
  OpenTls = 11, ListenTls = 12, TlsInfo = 13  // ours: TLS done by the host (docs/tcpnet-device.md)
};
inline constexpr uint32_t kLastCommand = 13;

// Values read from CMD after a command; >= 0 is success.
enum Result : int32_t {
  kOk = 0,
  kBadSlot = -1,
  kBadState = -2,
  kBadMemory = -3,
  kBadLength = -4,
  kBadName = -5,
  kBadPort = -6,
  kNoSlot = -7,
  kNoPort = -8,
  kBadCommand = -9,
  kNoTls = -10,  // LISTENTLS, but the emulator has no certificate (--tls-cert, --tls-key)
};

// STATUS bits. Event flags are cleared by reading STATUS; idle and wconn are levels.
namespace flag {
inline constexpr uint32_t hostc = 1u << 0, newrx = 1u << 1, newtx = 1u << 2, spacetx = 1u << 3,
                          disconn = 1u << 4, limrx = 1u << 5, error = 1u << 6, idle = 1u << 7,
                          wconn = 1u << 8, bound = 1u << 9;
inline constexpr uint32_t events = hostc | newrx | newtx | spacetx | disconn | limrx | error | bound;
inline constexpr int reasonShift = 16;  // bits 16-23
inline constexpr int stateShift = 24;   // bits 24-27
}  // namespace flag

enum class Reason : uint8_t {
  None = 0, Refused = 1, Unreachable = 2, Timeout = 3, Lookup = 4, PortBusy = 5, NoResources = 6,
  Reset = 7, Closed = 8,
  // TLS (OPENTLS, LISTENTLS): why the handshake or the TLS stream failed.
  Untrusted = 9,   // the certificate chain does not lead to a trusted CA
  BadName = 10,    // the certificate is not for the host name (or address) asked for
  Expired = 11,    // the certificate has expired or is not yet valid
  Handshake = 12,  // no common version or cipher, or the peer's alert
  Protocol = 13,   // not TLS, a broken record, or the end of the stream without close_notify
  // The host's outbound policy (--tcpnet-connect, --tcpnet-allow, --tcpnet-deny).
  Forbidden = 14
};
inline constexpr uint8_t kLastReason = 14;

enum class State : uint8_t { Free = 0, Connecting = 1, Listening = 2, Connected = 3, Failed = 4 };

const char* reasonName(Reason r);
const char* stateName(State s);

}  // namespace tcpnet
