#define BOOST_TEST_MODULE oberon_disk
#include <boost/test/unit_test.hpp>
