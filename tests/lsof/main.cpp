#define BOOST_TEST_MODULE tcpnet_lsof
#include <boost/test/unit_test.hpp>
