#define BOOST_TEST_MODULE depot_unit
#include <boost/test/unit_test.hpp>
