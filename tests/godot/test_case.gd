## Base of every suite: assertions that record failures with script and line.
## Suites extend this file by path (no class_name, so nothing leaks into the
## project's global class list).
extends Node

var failures: Array[String] = []
var current_test := ""

## A fresh, empty save folder for this suite.
func fresh_root(tag: String) -> String:
	var root := "user://test_saves/%s_%d" % [tag, Time.get_ticks_usec()]
	DirAccess.make_dir_recursive_absolute(root)
	return root

func _where() -> String:
	# get_stack() needs a debug build; frame 0 is _where, 1 the assertion, 2 the test.
	var stack := get_stack()
	for frame in stack:
		if str(frame.source).ends_with("test_case.gd"):
			continue
		return "%s:%d" % [str(frame.source).get_file(), frame.line]
	return "%s:%s" % [str(get_script().resource_path).get_file(), current_test]

func fail(message: String) -> void:
	failures.append("%s: %s: %s" % [_where(), current_test, message])

func check(condition: bool, message: String = "condition is false") -> bool:
	if not condition:
		fail(message)
	return condition

func check_eq(actual, expected, message: String = "") -> bool:
	var same: bool = typeof(actual) == typeof(expected) and actual == expected
	if not same:
		fail("%s expected %s (%s), got %s (%s)" % [message, var_to_str(expected), type_string(typeof(expected)), var_to_str(actual), type_string(typeof(actual))])
	return same

## Checks that `dict` has exactly these keys (no more, no fewer).
func check_keys(dict: Dictionary, keys: Array, message: String = "") -> bool:
	var want := keys.duplicate()
	want.sort()
	var have := dict.keys()
	have.sort()
	if have != want:
		fail("%s keys differ: expected %s, got %s" % [message, str(want), str(have)])
		return false
	return true

## Marks a block of calls that must log errors (push_error): the runner
## ignores error lines between these markers and fails when none appeared.
func expect_errors_begin() -> void:
	printerr("@@EXPECT_ERRORS_BEGIN %s" % current_test)

func expect_errors_end() -> void:
	printerr("@@EXPECT_ERRORS_END %s" % current_test)
