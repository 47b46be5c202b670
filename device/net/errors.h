// Maps host socket errors to the device's error reasons (docs/tcpnet-device.md, "Error reasons").
#pragma once

#include <boost/system/error_code.hpp>

#include "device/registers/registers.h"

namespace tcpnet {

enum class Stage { Connect, Listen, Stream };

// The reason for a failure in `stage`; errors without a specific reason fall back to the phase's
// default (Connect: unreachable, Listen: portbusy, Stream: reset).
Reason classify(const boost::system::error_code& ec, Stage stage);

}  // namespace tcpnet
