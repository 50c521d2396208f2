## BackupFlowCoordinator as Godot sees it: methods, signals with typed
## arguments, enums in ClassDB, exported properties with their hints.
extends "res://tests/test_case.gd"

const CLASS := "BackupFlowCoordinator"

func test_class_is_a_node() -> void:
	check(ClassDB.class_exists(CLASS), "class exists")
	check_eq(ClassDB.get_parent_class(CLASS), &"Node", "extends Node")
	check(ClassDB.can_instantiate(CLASS), "instantiable")
	var c = BackupFlowCoordinator.new()
	check(c is Node, "instance is a Node")
	c.free()

func test_spec_methods_exist_with_arguments_and_defaults() -> void:
	var methods := {}
	for m in ClassDB.class_get_method_list(CLASS, true):
		methods[m.name] = m
	var expected := {
		"create_manual_backup": [["backup_name", TYPE_STRING], ["description", TYPE_STRING]],
		"trigger_automated_backup": [["trigger", TYPE_INT], ["context", TYPE_DICTIONARY]],
		"perform_health_check": [],
		"start_recovery_wizard": [["scenario", TYPE_INT], ["context", TYPE_DICTIONARY]],
		"attempt_automatic_recovery": [["save_slot", TYPE_INT]],
		"export_backup": [["save_slot", TYPE_INT], ["export_path", TYPE_STRING], ["include_metadata", TYPE_BOOL]],
		"import_backup": [["import_path", TYPE_STRING], ["target_slot", TYPE_INT]],
		"get_backup_status": [],
		"set_automated_backups_enabled": [["enabled", TYPE_BOOL]],
		"set_backup_schedule_hours": [["hours", TYPE_INT]],
		"set_health_monitoring_enabled": [["enabled", TYPE_BOOL]],
		"is_backup_operation_active": [],
		"get_current_operation_context": [],
		"get_backup_performance_stats": [],
	}
	var returns := {
		"create_manual_backup": TYPE_BOOL, "trigger_automated_backup": TYPE_BOOL,
		"perform_health_check": TYPE_DICTIONARY, "start_recovery_wizard": TYPE_DICTIONARY,
		"attempt_automatic_recovery": TYPE_DICTIONARY, "export_backup": TYPE_DICTIONARY,
		"import_backup": TYPE_DICTIONARY, "get_backup_status": TYPE_DICTIONARY,
		"set_automated_backups_enabled": TYPE_NIL, "set_backup_schedule_hours": TYPE_NIL,
		"set_health_monitoring_enabled": TYPE_NIL, "is_backup_operation_active": TYPE_BOOL,
		"get_current_operation_context": TYPE_DICTIONARY, "get_backup_performance_stats": TYPE_DICTIONARY,
	}
	for method_name in expected:
		if not check(methods.has(method_name), "method %s" % method_name):
			continue
		var args = methods[method_name].args.map(func(a): return [a.name, a.type])
		check_eq(args, expected[method_name], "%s arguments" % method_name)
		check_eq(methods[method_name].return.type, returns[method_name], "%s return type" % method_name)
	check_eq(methods.create_manual_backup.default_args, [""], "description defaults to empty")
	check_eq(methods.trigger_automated_backup.default_args, [{}], "context defaults to {}")
	check_eq(methods.export_backup.default_args, [true], "include_metadata defaults to true")
	check_eq(methods.import_backup.default_args, [-1], "target_slot defaults to -1")

func test_spec_signals_have_typed_arguments() -> void:
	var signals := {}
	for s in ClassDB.class_get_signal_list(CLASS, true):
		signals[s.name] = s.args.map(func(a): return [a.name, a.type])
	check_eq(signals.get("backup_flow_started"), [["operation_type", TYPE_STRING], ["context", TYPE_DICTIONARY]], "backup_flow_started")
	check_eq(signals.get("backup_flow_completed"), [["operation_type", TYPE_STRING], ["success", TYPE_BOOL], ["context", TYPE_DICTIONARY]], "backup_flow_completed")
	check_eq(signals.get("automated_backup_triggered"), [["trigger_reason", TYPE_STRING], ["backup_context", TYPE_DICTIONARY]], "automated_backup_triggered")
	check_eq(signals.get("recovery_wizard_initiated"), [["scenario", TYPE_INT], ["analysis", TYPE_DICTIONARY]], "recovery_wizard_initiated")
	check_eq(signals.get("health_check_completed"), [["report", TYPE_DICTIONARY]], "health_check_completed")
	check_eq(signals.get("backup_schedule_updated"), [["schedule_config", TYPE_DICTIONARY]], "backup_schedule_updated")

func test_enums_are_registered_in_spec_order() -> void:
	var spec := {
		"BackupOperation": ["MANUAL_BACKUP", "SCHEDULED_BACKUP", "EVENT_TRIGGERED", "EMERGENCY_BACKUP", "EXPORT_BACKUP", "IMPORT_BACKUP"],
		"RecoveryScenario": ["CORRUPTED_SAVE", "MISSING_SAVE", "PILOT_DATA_LOSS", "CAMPAIGN_CORRUPTION", "SETTINGS_RESET", "COMPLETE_DATA_LOSS"],
		"BackupTrigger": ["MANUAL", "TIMER_INTERVAL", "MISSION_COMPLETE", "CAMPAIGN_MILESTONE", "ACHIEVEMENT_EARNED", "GAME_SHUTDOWN", "CRITICAL_PROGRESS"],
	}
	for enum_name in spec:
		check(ClassDB.class_has_enum(CLASS, enum_name, true), "enum %s" % enum_name)
		var names: Array = Array(ClassDB.class_get_enum_constants(CLASS, enum_name, true))
		check_eq(names, spec[enum_name], "%s names" % enum_name)
		for i in spec[enum_name].size():
			check_eq(ClassDB.class_get_integer_constant(CLASS, spec[enum_name][i]), i, "%s.%s value" % [enum_name, spec[enum_name][i]])
		check_eq(Array(BackupFlowCoordinator.enum_keys(enum_name)), spec[enum_name], "enum_keys(%s)" % enum_name)
	check_eq(Array(BackupFlowCoordinator.backup_trigger_keys()), spec.BackupTrigger, "backup_trigger_keys")
	check_eq(Array(BackupFlowCoordinator.recovery_scenario_keys()), spec.RecoveryScenario, "recovery_scenario_keys")
	check_eq(Array(BackupFlowCoordinator.backup_operation_keys()), spec.BackupOperation, "backup_operation_keys")
	check_eq(BackupFlowCoordinator.enum_keys("NoSuchEnum").size(), 0, "unknown enum has no keys")

func test_enum_constants_are_usable_from_gdscript() -> void:
	check_eq(BackupFlowCoordinator.BackupTrigger.MISSION_COMPLETE, 2, "BackupTrigger.MISSION_COMPLETE")
	check_eq(BackupFlowCoordinator.RecoveryScenario.CORRUPTED_SAVE, 0, "RecoveryScenario.CORRUPTED_SAVE")
	check_eq(BackupFlowCoordinator.BackupOperation.IMPORT_BACKUP, 5, "BackupOperation.IMPORT_BACKUP")
	var typed: BackupFlowCoordinator.BackupTrigger = BackupFlowCoordinator.BackupTrigger.CRITICAL_PROGRESS
	check_eq(int(typed), 6, "enum-typed variable")
	check_eq(BackupFlowCoordinator.enum_keys("RecoveryScenario")[BackupFlowCoordinator.RecoveryScenario.MISSING_SAVE], "MISSING_SAVE", "keys()[value] equivalent")

func test_exported_properties_with_hints_and_groups() -> void:
	var c = BackupFlowCoordinator.new()
	var list: Array = c.get_property_list()
	var by_name := {}
	var group_of := {}
	var group := ""
	for p in list:
		if p.usage & PROPERTY_USAGE_GROUP:
			group = p.name
			continue
		by_name[p.name] = p
		group_of[p.name] = group
	var spec := {
		"enable_automated_backups": [TYPE_BOOL, true],
		"backup_schedule_hours": [TYPE_INT, 24],
		"max_automated_backups": [TYPE_INT, 30],
		"enable_event_backups": [TYPE_BOOL, true],
		"enable_health_monitoring": [TYPE_BOOL, true],
		"health_check_interval_hours": [TYPE_INT, 72],
	}
	for prop in spec:
		if not check(by_name.has(prop), "property %s" % prop):
			continue
		check_eq(by_name[prop].type, spec[prop][0], "%s type" % prop)
		check(by_name[prop].usage & PROPERTY_USAGE_EDITOR, "%s shown in inspector" % prop)
		check(by_name[prop].usage & PROPERTY_USAGE_STORAGE, "%s saved with the scene" % prop)
		check_eq(c.get(prop), spec[prop][1], "%s default" % prop)
		# ClassDB.class_get_property_default_value exists from Godot 4.3 on
		# (called by name so that the suite still parses on 4.2).
		if godot_at_least(4, 3):
			var registered = Engine.get_singleton("ClassDB").call("class_get_property_default_value", CLASS, prop)
			check_eq(registered, spec[prop][1], "%s ClassDB default" % prop)
	check_eq(by_name.backup_schedule_hours.hint, PROPERTY_HINT_RANGE, "hours is a range")
	check(by_name.backup_schedule_hours.hint_string.contains("suffix:h"), "hours suffix: " + by_name.backup_schedule_hours.hint_string)
	check(by_name.health_check_interval_hours.hint_string.contains("suffix:h"), "interval suffix")
	check_eq(by_name.max_automated_backups.hint, PROPERTY_HINT_RANGE, "max is a range")
	check_eq(group_of.backup_schedule_hours, "Automated Backups", "schedule in its group")
	check_eq(group_of.enable_health_monitoring, "Health Monitoring", "health in its group")
	c.free()

func test_properties_round_trip_through_set_and_get() -> void:
	var c = BackupFlowCoordinator.new()
	c.backup_schedule_hours = 12
	c.set("max_automated_backups", 5)
	c.enable_event_backups = false
	c.health_check_interval_hours = 6
	check_eq(c.get("backup_schedule_hours"), 12, "hours set")
	check_eq(c.max_automated_backups, 5, "max set")
	check_eq(c.enable_event_backups, false, "events off")
	check_eq(c.health_check_interval_hours, 6, "interval set")
	c.free()

func test_enum_arguments_are_typed_with_the_class_enums() -> void:
	var methods := {}
	for m in ClassDB.class_get_method_list(CLASS, true):
		methods[m.name] = m
	var trigger_arg: Dictionary = methods.trigger_automated_backup.args[0]
	check_eq(trigger_arg.class_name, &"BackupFlowCoordinator.BackupTrigger", "trigger argument enum")
	check(trigger_arg.usage & PROPERTY_USAGE_CLASS_IS_ENUM, "trigger argument is an enum")
	var scenario_arg: Dictionary = methods.start_recovery_wizard.args[0]
	check_eq(scenario_arg.class_name, &"BackupFlowCoordinator.RecoveryScenario", "scenario argument enum")
	for s in ClassDB.class_get_signal_list(CLASS, true):
		if s.name == "recovery_wizard_initiated":
			check_eq(s.args[0].class_name, &"BackupFlowCoordinator.RecoveryScenario", "signal scenario enum")
			check(s.args[0].usage & PROPERTY_USAGE_CLASS_IS_ENUM, "signal scenario is an enum")
