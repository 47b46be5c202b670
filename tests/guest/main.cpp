#define BOOST_TEST_MODULE guest_net_tests
#include <boost/test/unit_test.hpp>

#include "guest.h"

// The ctest fixture guest/setup/prepare_image: the prepared image every entry boots, made once
// per ctest run at $OBERON_GUEST_IMAGE (see CMakeLists.txt). Not a test of its own otherwise.
BOOST_AUTO_TEST_SUITE(setup)
BOOST_AUTO_TEST_CASE(prepare_image) { guest::makePreparedImage(guest::env("OBERON_GUEST_IMAGE")); }
BOOST_AUTO_TEST_SUITE_END()
