#define BOOST_TEST_MODULE tcpnet_firmware
#include <boost/test/unit_test.hpp>
