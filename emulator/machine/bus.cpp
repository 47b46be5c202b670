#include "bus.h"

#include "cpu.h"
#include "memory.h"
#include "emulator/base/mmio.h"
#include "emulator/devices/board.h"
#include "emulator/devices/clipboard.h"
#include "emulator/devices/ps2.h"
#include "emulator/devices/sdcard.h"
#include "emulator/devices/serial.h"
#include "emulator/devices/timer.h"

namespace risc5 {

namespace {
// Word registers of the I/O page, index = (address - kIoStart) / 4 (RISC5Top.v).
enum IoRegister : uint32_t {
  kTimer = 0,         // -64
  kSwitches = 1,      // -60 read switches/buttons, write LEDs
  kRsData = 2,        // -56
  kRsStatus = 3,      // -52
  kSpiData = 4,       // -48
  kSpiControl = 5,    // -44
  kMouse = 6,         // -40 mouse and keyboard-ready bit
  kKeyboard = 7,      // -36
  kClipControl = 10,  // -24
  kClipData = 11,     // -20
};
}  // namespace

void Bus::emptyPoll() {
  if (--idlePolls_ <= 0 && !idle_) {
    idle_ = true;
    if (cpu_) cpu_->requestStop();
  }
}

uint32_t Bus::read(uint32_t address) {
  if (address >= kIoStart) {
    switch ((address - kIoStart) / 4) {
      case kTimer:
        emptyPoll();
        return d_.timer.millis();
      case kSwitches: return d_.board.read();
      case kRsData: noteActivity(); return d_.serial.readData();
      case kRsStatus: {
        uint32_t s = d_.serial.readStatus();
        if (!(s & 1)) emptyPoll();
        return s;
      }
      case kSpiData: return d_.spi.readData();
      case kSpiControl: return d_.spi.readStatus();
      case kMouse: {
        bool key = d_.keyboard.available();
        if (!key) emptyPoll();
        return d_.mouse.read(key);
      }
      case kKeyboard: noteActivity(); return d_.keyboard.pop();
      case kClipControl: return d_.clipboard.readControl();
      case kClipData: return d_.clipboard.readData();
      default: return 0;  // GPIO and the unused registers
    }
  }
  if (address - kExtensionStart < kExtensionBytes && extension_) {
    return extension_->read(address - kExtensionStart);
  }
  ++unmapped_;
  lastUnmapped_ = address;
  return 0;
}

void Bus::write(uint32_t address, uint32_t value) {
  if (address >= kIoStart) {
    switch ((address - kIoStart) / 4) {
      case kSwitches: d_.board.write(value); break;
      case kRsData: d_.serial.writeData(value); break;
      case kRsStatus: d_.serial.writeControl(value); break;
      case kSpiData: d_.spi.writeData(value); break;
      case kSpiControl: d_.spi.writeControl(value); break;
      case kClipControl: d_.clipboard.writeControl(value); break;
      case kClipData: d_.clipboard.writeData(value); break;
      default: break;  // timer, input and GPIO: writes ignored
    }
    return;
  }
  if (address - kExtensionStart < kExtensionBytes && extension_) {
    extension_->write(address - kExtensionStart, value);
    return;
  }
  ++unmapped_;
  lastUnmapped_ = address;
}

}  // namespace risc5
