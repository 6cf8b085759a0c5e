/*
 * test_smoke.c — throwaway check that the build and test harness work end to end: a cmocka
 * program linked against the static library, run by ctest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "sluice.h"

static void test_strerror_ok(void **state)
{
	(void)state;
	assert_string_equal(sl_strerror(SL_OK), "success");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strerror_ok),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
