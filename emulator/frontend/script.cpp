// Runs parsed script steps (script.h) on a machine, a few at a time between slices of guest time.
#include "script.h"

#include <cstdio>
#include <cstdlib>

#include "emulator/machine/machine.h"
#include "png.h"
#include "runner.h"

namespace risc5 {

namespace {

// While a mouse button is held, Oberon tracks the mouse in a busy loop (TextFrames.TrackCaret,
// MenuViewers.Change, ...) that does not look idle; there a step waits until the guest has run
// this many instructions instead, enough for hundreds of passes through such a loop.
constexpr uint64_t kTrackInstructions = 2'000'000;

bool pixel(const Machine& m, int x, int row) {  // row 0 = the top line
  const uint32_t* line = m.framebuffer() + (m.height() - 1 - row) * (m.spanBytes() / 4);
  return (line[x / 32] >> (x % 32)) & 1;
}

std::vector<uint8_t> grab(Machine& m, const ScreenRegion& r) {
  std::vector<uint8_t> v;
  const int mx = m.mouse().x(), mrow = static_cast<int>(m.height()) - 1 - m.mouse().y();
  for (int row = r.y; row < r.y + r.h; ++row)
    for (int x = r.x; x < r.x + r.w; ++x)  // the mouse arrow (drawn in the frame) is left out
      v.push_back(std::abs(x - mx) <= 16 && std::abs(row - mrow) <= 16 ? 2 : pixel(m, x, row));
  return v;
}

}  // namespace

std::string ScriptRunner::where() const {
  const ScriptStep& s = steps_[pc_];
  return s.origin.empty() ? "script line " + std::to_string(s.line) : s.origin;
}

void ScriptRunner::fail(const std::string& why) { error_ = where() + ": " + why; }

bool ScriptRunner::perform(Machine& m, const step::Keys& s, bool, Clock::time_point now) {
  // Whole PS/2 bytes go in as the FIFO frees; nothing is ever dropped.
  while (sent_ < s.bytes.size() && m.keyboard().space() > 0) {
    uint8_t b = s.bytes[sent_];
    m.keyboard().push(std::span<const uint8_t>(&b, 1));
    ++sent_;
  }
  if (sent_ < s.bytes.size() && now >= deadline_)
    fail("Oberon did not read the keyboard within " + std::to_string(int(kInputSeconds)) + " s");
  return sent_ == s.bytes.size();
}

bool ScriptRunner::perform(Machine& m, const step::MouseMove& s, bool, Clock::time_point) {
  m.mouse().moveTo(s.x, s.y);
  return true;
}

bool ScriptRunner::perform(Machine& m, const step::Button& s, bool, Clock::time_point) {
  for (auto b : {Mouse::left, Mouse::middle, Mouse::right})
    if (s.mask & b) m.mouse().setButton(b, s.down);
  return true;
}

bool ScriptRunner::perform(Machine& m, const step::Settle& s, bool idle, Clock::time_point now) {
  // The first poll reports the slice that ran before this step's input: it does not count.
  // Then the FIFO must be drained and the guest settled (Runner::kSettled without a break).
  if (!sawIdle_) {
    sawIdle_ = true;
    startInstructions_ = m.instructions();
  } else if (s.buttonHeld && m.instructions() - startInstructions_ >= kTrackInstructions) {
    return true;
  } else if (!idle || m.keyboard().available()) {
    idleSince_ = Clock::time_point::max();
  } else if (idleSince_ == Clock::time_point::max()) {
    idleSince_ = now;
  } else if (now - idleSince_ >= Runner::kSettled) {
    return true;
  }
  if (now >= deadline_) fail(s.timeoutMessage);
  return false;
}

bool ScriptRunner::perform(Machine&, const step::Pause&, bool, Clock::time_point now) { return now >= deadline_; }

bool ScriptRunner::perform(Machine& m, const step::Screenshot& s, bool, Clock::time_point) {
  if (std::string why = writeScreenshot(m, s.path); !why.empty()) fail(why);
  return true;
}

bool ScriptRunner::perform(Machine& m, const step::ExpectWhite& s, bool, Clock::time_point) {
  const ScreenRegion& r = s.region;
  uint64_t white = 0;
  for (int row = r.y; row < r.y + r.h; ++row)
    for (int x = r.x; x < r.x + r.w; ++x) white += pixel(m, x, row);
  double pct = 100.0 * white / (double(r.w) * r.h);
  if (pct < s.minPercent || pct > s.maxPercent) {
    char msg[160];
    std::snprintf(msg, sizeof msg, "expect-white: %.1f%% of region %d,%d %dx%d is white, expected %g..%g%%", pct,
                  r.x, r.y, r.w, r.h, s.minPercent, s.maxPercent);
    fail(msg);
  }
  return true;
}

bool ScriptRunner::perform(Machine& m, const step::ExpectScreen& s, bool, Clock::time_point) {
  const ScreenRegion& r = s.region;
  uint32_t w = 0, h = 0;
  std::vector<uint8_t> px;
  if (std::string why = readGrayPng(s.reference, w, h, px); !why.empty()) {
    fail(why);
    return true;
  }
  if (w < static_cast<uint32_t>(r.x + r.w) || h < static_cast<uint32_t>(r.y + r.h)) {
    fail("reference image " + s.reference + " is smaller than the region");
    return true;
  }
  uint64_t differ = 0;
  for (int row = r.y; row < r.y + r.h; ++row)
    for (int x = r.x; x < r.x + r.w; ++x) differ += pixel(m, x, row) != (px[size_t(row) * w + x] >= 128);
  if (differ > s.tolerance)
    fail("expect-screen: " + std::to_string(differ) + " pixels differ from " + s.reference + " (at most " +
         std::to_string(s.tolerance) + " allowed)");
  return true;
}

bool ScriptRunner::perform(Machine& m, const step::SnapLine& s, bool, Clock::time_point) {
  snapshot_ = grab(m, s.region);
  return true;
}

bool ScriptRunner::perform(Machine& m, const step::SkipIfChanged& s, bool, Clock::time_point) {
  if (grab(m, s.region) != snapshot_) {
    std::fprintf(stderr, "oberon-emu: %s: System.Log's first line changed while the command ran; the command "
                         "line stays in the Log\n", where().c_str());
    pc_ += s.skip;
  }
  return true;
}

ScriptRunner::State ScriptRunner::poll(Machine& m, bool idle, Clock::time_point now) {
  while (pc_ < steps_.size()) {
    const StepAction& action = steps_[pc_].action;
    if (!started_) {
      started_ = true;
      sent_ = 0;
      sawIdle_ = false;
      idleSince_ = Clock::time_point::max();
      double secs = kInputSeconds;
      if (auto* s = std::get_if<step::Settle>(&action)) secs = s->seconds;
      if (auto* s = std::get_if<step::Pause>(&action)) secs = s->seconds;
      deadline_ = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(secs));
    }
    bool done = std::visit([&](const auto& s) { return perform(m, s, idle, now); }, action);
    if (!error_.empty()) return State::failed;
    if (!done) return State::running;
    ++pc_;  // after SkipIfChanged's skip, if it made one
    started_ = false;
  }
  return State::done;
}

}  // namespace risc5
