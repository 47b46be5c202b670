// Interface of a device in the extension window (-256 .. -196), e.g. the TCPNet device.
// Only I/O accesses pay for this indirection; the machine core knows nothing about networking.
#pragma once

#include <cstdint>

namespace risc5 {

class MmioDevice {
 public:
  virtual ~MmioDevice() = default;
  // offset: byte offset of the word register inside the window (0, 4, ..., 60).
  // read may have side effects; both run on the machine thread only.
  virtual uint32_t read(uint32_t offset) = 0;
  virtual void write(uint32_t offset, uint32_t value) = 0;
  // Called on power-on reset and on the front end's soft reset (F12).
  virtual void reset() {}
  // Called when the CPU stops running for a while (the end of Machine::run): a device that
  // batches work for another thread hands it over here, so nothing waits on the next access.
  virtual void flush() {}
};

}  // namespace risc5
