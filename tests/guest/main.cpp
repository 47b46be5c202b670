#define BOOST_TEST_MODULE guest_net_tests
#include <boost/test/unit_test.hpp>
