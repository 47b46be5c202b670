#define BOOST_TEST_MODULE tcpnet
#include <boost/test/unit_test.hpp>
