/*
 * test_cli_parse.c — the CLI's pure parsing helpers (cli/args.c): integers, decimals, durations,
 * sizes, enum options, URL redaction and the default pipeline name, each from a table of inputs
 * with the exact value or error message expected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* The test harness builds one file per test; args.c depends on nothing but libc, so it is
   compiled right into this test rather than through the library. */
#include "../../cli/args.c"

/* ---- integers */

typedef struct uint_case {
	const char *text;
	uint64_t min, max;
	int rc;
	uint64_t value;	   /* when rc == 0 */
	const char *error; /* when rc != 0 */
} uint_case;

static void test_uint(void **state)
{
	static const uint_case cases[] = {
		{"1", 1, 100000000, 0, 1, NULL},
		{"100000000", 1, 100000000, 0, 100000000, NULL},
		{"007", 1, 100000000, 0, 7, NULL},
		{"0", 1, 100000000, -1, 0, "--opt: '0' must be between 1 and 100000000"},
		{"100000001", 1, 100000000, -1, 0,
		 "--opt: '100000001' must be between 1 and 100000000"},
		{"-1", 1, 100000000, -1, 0, "--opt: '-1' must be between 1 and 100000000"},
		{"abc", 1, UINT64_MAX, -1, 0, "--opt: 'abc' is not a number"},
		{"", 1, UINT64_MAX, -1, 0, "--opt: '' is not a number"},
		{"+5", 1, UINT64_MAX, -1, 0, "--opt: '+5' is not a number"},
		{" 5", 1, UINT64_MAX, -1, 0, "--opt: ' 5' is not a number"},
		{"5 ", 1, UINT64_MAX, -1, 0, "--opt: '5 ' is not a number"},
		{"0x10", 1, UINT64_MAX, -1, 0, "--opt: '0x10' is not a number"},
		{"1.5", 1, UINT64_MAX, -1, 0, "--opt: '1.5' is not a number"},
		{"-", 1, UINT64_MAX, -1, 0, "--opt: '-' is not a number"},
		{"0", 1, UINT64_MAX, -1, 0, "--opt: '0' must be at least 1"},
		{"-0", 0, UINT64_MAX, 0, 0, NULL},
		{"18446744073709551615", 1, UINT64_MAX, 0, UINT64_MAX, NULL},
		{"18446744073709551616", 1, UINT64_MAX, -1, 0,
		 "--opt: '18446744073709551616' is too large"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const uint_case *c = &cases[i];
		uint64_t value = 12345;
		cli_err err = {""};
		int rc = cli_parse_uint(&value, "--opt", c->text, c->min, c->max, &err);
		print_message("uint '%s'\n", c->text);
		assert_int_equal(rc, c->rc);
		if (rc == 0)
			assert_true(value == c->value);
		else
			assert_string_equal(err.msg, c->error);
	}
}

/* The two messages the CLI's help promises, verbatim. */
static void test_uint_cli_messages(void **state)
{
	uint64_t v;
	cli_err err;

	(void)state;
	assert_int_equal(cli_parse_uint(&v, "--chunk-size", "0", 1, 100000000, &err), -1);
	assert_string_equal(err.msg, "--chunk-size: '0' must be between 1 and 100000000");
	assert_int_equal(cli_parse_uint(&v, "--limit-chunks", "abc", 1, SIZE_MAX, &err), -1);
	assert_string_equal(err.msg, "--limit-chunks: 'abc' is not a number");
}

/* ---- decimals (--lag) */

static void test_decimal(void **state)
{
	static const struct {
		const char *text;
		int rc;
		double value;
	} cases[] = {
		{"3", 0, 3},	  {"0", 0, 0},	  {"0.5", 0, 0.5}, {".25", 0, 0.25}, {"2.", 0, 2},
		{"-1", -1, 0},	  {"abc", -1, 0}, {"1e3", -1, 0},  {"", -1, 0},	     {".", -1, 0},
		{"1.2.3", -1, 0}, {"inf", -1, 0}, {"nan", -1, 0},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double value = -7;
		cli_err err = {""};
		int rc = cli_parse_decimal(&value, "--lag", cases[i].text, &err);
		print_message("decimal '%s'\n", cases[i].text);
		assert_int_equal(rc, cases[i].rc);
		if (rc == 0)
			assert_true(value == cases[i].value);
	}
	cli_err err;
	double v;
	assert_int_equal(cli_parse_decimal(&v, "--lag", "-1", &err), -1);
	assert_string_equal(err.msg, "--lag: '-1' is not a non-negative number");
}

/* ---- durations */

static void test_duration(void **state)
{
	static const struct {
		const char *text;
		double seconds; /* < 0: must fail */
	} cases[] = {
		{"10m", 600},	  {"90s", 90},	  {"1h30m", 5400},     {"2.5h", 9000},
		{"90", 90},	  {"2.5", 2.5},	  {"1d", 86400},       {"500ms", 0.5},
		{"1m30s", 90},	  {".5s", 0.5},	  {"1d2h3m4s", 93784}, {"1h0m", 3600},
		{"1s500ms", 1.5}, {"1h1h", -1},	  {"30m1h", -1},       {"1s1m", -1},
		{"", -1},	  {"10x", -1},	  {"-5s", -1},	       {"1e3s", -1},
		{"h", -1},	  {"1.2.3s", -1}, {" 10m", -1},	       {"10 m", -1},
		{"10m ", -1},	  {"1H", -1},	  {"ms", -1},	       {"1hm", -1},
		{"0", -1},	  {"0s", -1},	  {"0h0m", -1},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double seconds = -7;
		cli_err err = {""};
		int rc = cli_parse_duration(&seconds, "--max-time", cases[i].text, &err);
		print_message("duration '%s'\n", cases[i].text);
		if (cases[i].seconds < 0) {
			assert_int_equal(rc, -1);
			assert_true(seconds == -7);
		} else {
			assert_int_equal(rc, 0);
			assert_true(fabs(seconds - cases[i].seconds) < 1e-9);
		}
	}
}

static void test_duration_messages(void **state)
{
	double s;
	cli_err err;

	(void)state;
	assert_int_equal(cli_parse_duration(&s, "--max-time", "10x", &err), -1);
	assert_string_equal(err.msg,
			    "--max-time: '10x' is not a duration (e.g. 90s, 10m, 1h30m, 2.5h)");
	assert_int_equal(cli_parse_duration(&s, "--max-time", "0s", &err), -1);
	assert_string_equal(err.msg, "--max-time: '0s' must be greater than zero");
}

/* ---- sizes */

static void test_size(void **state)
{
	static const struct {
		const char *text;
		int rc;
	} cases[] = {
		{"256MB", 0},	{"2GB", 0},    {"2 GiB", 0}, {"1gb", 0},     {"0.5GB", 0},
		{"100000b", 0}, {"512KiB", 0}, {"1T", 0},    {"10bytes", 0}, {"256", -1},
		{"MB", -1},	{"0MB", -1},   {"12XB", -1}, {"80%", -1},    {"2  GB", -1},
		{"-1GB", -1},	{"", -1},      {"1GB ", -1},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cli_err err = {""};
		print_message("size '%s'\n", cases[i].text);
		assert_int_equal(cli_check_size("--memory-limit", cases[i].text, &err),
				 cases[i].rc);
	}
	cli_err err;
	assert_int_equal(cli_check_size("--memory-limit", "12XB", &err), -1);
	assert_string_equal(err.msg, "--memory-limit: '12XB' is not a size (e.g. 256MB, 2GB)");
}

/* ---- enums */

static void test_enum(void **state)
{
	static const cli_enum orders[] = {{"asc", 10}, {"desc", 11}, {"none", 12}, {NULL, 0}};
	int v = -1;
	cli_err err;

	(void)state;
	assert_int_equal(cli_parse_enum(&v, "--row-order", "asc", orders, &err), 0);
	assert_int_equal(v, 10);
	assert_int_equal(cli_parse_enum(&v, "--row-order", "none", orders, &err), 0);
	assert_int_equal(v, 12);
	v = -1;
	assert_int_equal(cli_parse_enum(&v, "--row-order", "ASC", orders, &err), -1);
	assert_int_equal(v, -1);
	assert_string_equal(err.msg, "--row-order: 'ASC' must be one of asc, desc, none");
	assert_int_equal(cli_parse_enum(&v, "--row-order", "", orders, &err), -1);
	assert_int_equal(cli_parse_enum(&v, "--row-order", "as", orders, &err), -1);
	assert_int_equal(cli_parse_enum(&v, "--row-order", "ascending", orders, &err), -1);
}

/* ---- redaction */

static void test_redact(void **state)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{"mysql://u:secret@h:3306/db", "mysql://u:***@h:3306/db"},
		{"mysql+pymysql://rfamro@host:4497/Rfam", "mysql+pymysql://rfamro@host:4497/Rfam"},
		{"mysql://u:p@ss@h/db", "mysql://u:***@h/db"},
		{"mysql://u:pa/ss@h/db", "mysql://u:***@h/db"},
		{"mysql://u:@h/db", "mysql://u:***@h/db"},
		{"mysql://h:3306/db", "mysql://h:3306/db"},
		{"postgresql://h/db?user=u&password=x&sslmode=require",
		 "postgresql://h/db?user=u&password=***&sslmode=require"},
		{"postgresql://h/db?PWD=x", "postgresql://h/db?PWD=***"},
		{"mysql://h/db?passwd=a#frag", "mysql://h/db?passwd=***#frag"},
		{"mysql://h/db?mypassword=a", "mysql://h/db?mypassword=a"},
		{"--source=mysql://u:pw@h/db", "--source=mysql://u:***@h/db"},
		{"sqlite:///x.db", "sqlite:///x.db"},
		{"sqlite:////tmp/rfam.db", "sqlite:////tmp/rfam.db"},
		{"plain text", "plain text"},
		{"user:pw@host", "user:pw@host"},
		{"", ""},
	};
	char out[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cli_redact_url(out, sizeof(out), cases[i].in);
		assert_string_equal(out, cases[i].out);
	}
	/* truncated output stays terminated and never shows the password */
	char small[12];
	cli_redact_url(small, sizeof(small), "mysql://u:secret@h/db");
	assert_string_equal(small, "mysql://u:*");
	cli_redact_url(small, 1, "mysql://u:secret@h/db");
	assert_string_equal(small, "");
}

/* A password in a bad option value must not reach the message either. */
static void test_error_redacts(void **state)
{
	uint64_t v;
	cli_err err;

	(void)state;
	assert_int_equal(cli_parse_uint(&v, "--runs", "mysql://u:hunter2@h/db", 1, 9, &err), -1);
	assert_string_equal(err.msg, "--runs: 'mysql://u:***@h/db' is not a number");
	assert_int_equal(
		cli_parse_uint(&v, "--runs",
			       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
			       1, 9, &err),
		-1);
	assert_string_equal(
		err.msg, "--runs: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' "
			 "is not a number");
}

/* ---- default pipeline name */

static void test_default_name(void **state)
{
	static const struct {
		const char *url;
		const char *name;
	} cases[] = {
		{"mysql+pymysql://rfamro@mysql-rfam-public.ebi.ac.uk:4497/Rfam", "rfam"},
		{"sqlite:///rfam.db", "rfam"},
		{"sqlite:////tmp/x/My Data.v2.db", "my_data_v2"},
		{"sqlite:///:memory:", "memory"},
		{"sqlite:///.hidden", "hidden"},
		{"mysql://h", "sluice"},
		{"mysql://h/", "sluice"},
		{"mysql://u:p/w@h/db?sslmode=require", "db"},
		{"postgresql://h/shop-2024#x", "shop-2024"},
		{"mysql://h/___", "sluice"},
		{"not a url", "sluice"},
		{"", "sluice"},
	};
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cli_default_pipeline_name(out, sizeof(out), cases[i].url);
		assert_string_equal(out, cases[i].name);
	}
	char small[5];
	cli_default_pipeline_name(small, sizeof(small), "mysql://h/abcdefgh");
	assert_string_equal(small, "abcd");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uint),
		cmocka_unit_test(test_uint_cli_messages),
		cmocka_unit_test(test_decimal),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_duration_messages),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_enum),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_error_redacts),
		cmocka_unit_test(test_default_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
