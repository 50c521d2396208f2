//! Custom Resources in saves: the registry of allowed types and the
//! conversion between game data and its stored form.
//!
//! Plain data is stored as `var_to_bytes` output, as before. Data holding
//! Resources of registered types becomes a [`TypedTree`] (rules and limits
//! in `backup_core`): each Resource is written as its registered type name
//! and its storage properties, nothing else. Reading it back instantiates
//! only registered types, through the scripts the project's global class
//! list names (never a path or script found in the file), and sets only
//! their storage properties, each checked against its declared type.
//!
//! Shared references stay shared: a Resource reachable twice is written once
//! and loads as one instance. A cycle is refused when saving.
//!
//! The plain form (what migrations see) writes each Resource as a
//! Dictionary `{"@save_type": "Item", property: value, ...}`; the key
//! `@save_type` is reserved for this in saved Dictionaries.

use std::collections::{HashMap, HashSet};

use backup_core::{
    is_typed_payload, ContainerType, NodeId, TreeBuilder, TreeError, TreeLimits, TreeNode,
    TypedTree, VARIANT_TYPE_OBJECT,
};
use godot::classes::{ClassDb, Engine, Expression, ProjectSettings, Script};
use godot::prelude::*;
use godot::register::info::PropertyUsageFlags;

use crate::variant_check::{self, Path, MAX_DEPTH};

/// The reserved Dictionary key naming a Resource's type in the plain form.
pub const TYPE_KEY: &str = "@save_type";

/// One storage property of a registered type.
#[derive(Debug, Clone)]
pub struct StoredProperty {
    /// The property name.
    pub name: String,
    /// Its declared Variant type (`NIL` for an untyped `var`).
    pub ty: VariantType,
    /// Its declared class (`Item`, `Resource`) when `ty` is `OBJECT`.
    pub class_name: String,
}

/// A Resource type the game registered.
#[derive(Debug, Clone)]
pub struct RegisteredType {
    /// Its `class_name`.
    pub name: String,
    /// The script the project's global class list names for it.
    pub script: Gd<Script>,
    /// Its storage properties (`@export`, `PROPERTY_USAGE_STORAGE`).
    pub properties: Vec<StoredProperty>,
}

/// The registered types of a `SaveGameManager`.
#[derive(Debug, Default)]
pub struct SaveTypes {
    types: Vec<RegisteredType>,
    /// Whether `clear_save_types` is connected to the scene tree's end.
    pub exit_hooked: bool,
}

impl SaveTypes {
    /// The type registered under `name`.
    pub fn by_name(&self, name: &str) -> Option<&RegisteredType> {
        self.types.iter().find(|t| t.name == name)
    }

    /// The registered type whose script `object` runs (exactly that script:
    /// a subclass must be registered itself).
    pub fn of_object(&self, object: &Gd<Object>) -> Option<&RegisteredType> {
        let script = object.get_script()?;
        let id = script.instance_id();
        self.types.iter().find(|t| t.script.instance_id() == id)
    }

    /// Names of the registered types, in registration order.
    pub fn names(&self) -> Vec<String> {
        self.types.iter().map(|t| t.name.clone()).collect()
    }

    /// Forgets every type.
    pub fn clear(&mut self) {
        self.types.clear();
    }

    /// Registers `spec`: a `class_name`d Resource script, its name, or an
    /// Array of either. Returns the names registered; nothing is registered
    /// when one of them is refused.
    pub fn register(&mut self, spec: &Variant) -> Result<Vec<String>, String> {
        let mut found = Vec::new();
        collect_specs(spec, &mut found)?;
        if found.is_empty() {
            return Err("no type given to register".into());
        }
        let mut names = Vec::new();
        for t in found {
            names.push(t.name.clone());
            self.types.retain(|old| old.name != t.name);
            self.types.push(t);
        }
        Ok(names)
    }
}

fn collect_specs(spec: &Variant, out: &mut Vec<RegisteredType>) -> Result<(), String> {
    match spec.get_type() {
        VariantType::ARRAY => {
            for item in spec.to::<AnyArray>().iter_shared() {
                if item.get_type() == VariantType::ARRAY {
                    return Err("nested Arrays of types are not accepted".into());
                }
                collect_specs(&item, out)?;
            }
            Ok(())
        }
        VariantType::STRING | VariantType::STRING_NAME => {
            out.push(resolve(&spec.stringify().to_string())?);
            Ok(())
        }
        VariantType::OBJECT => {
            let script = spec.try_to::<Gd<Script>>().map_err(|_| {
                "register_save_type takes a class_name'd Resource script (or its name), not an instance".to_string()
            })?;
            let name = variant_check::script_class_name(&script);
            if name.is_empty() {
                return Err(format!(
                    "script {} has no class_name; give it one to register it",
                    script.get_path()
                ));
            }
            out.push(resolve(&name)?);
            Ok(())
        }
        other => Err(format!(
            "register_save_type takes a script, a class name or an Array of them, not {other:?}"
        )),
    }
}

/// Looks `name` up in the project's global class list and loads the script
/// it names there.
fn resolve(name: &str) -> Result<RegisteredType, String> {
    if !backup_core::is_identifier(name, TreeLimits::default().max_name_len) {
        return Err(format!("{name:?} is not a class name"));
    }
    let entry = ProjectSettings::singleton()
        .get_global_class_list()
        .iter_shared()
        .find(|e| e.get("class").map(|c| c.stringify().to_string()).as_deref() == Some(name))
        .ok_or_else(|| {
            format!("{name} is not a global class (no script declares class_name {name})")
        })?;
    let path = entry.get("path").map(|p| p.stringify()).unwrap_or_default();
    let script = godot::tools::try_load::<Script>(&path)
        .map_err(|e| format!("script {path} of {name} could not be loaded: {e}"))?;
    let base = script.get_instance_base_type();
    if !ClassDb::singleton().is_parent_class(&base, "Resource") {
        return Err(format!(
            "{name} extends {base}, not Resource: only Resources can be registered"
        ));
    }
    let properties = script
        .get_script_property_list()
        .iter_shared()
        .filter_map(|p| stored_property(&p))
        .collect();
    Ok(RegisteredType {
        name: name.to_string(),
        script,
        properties,
    })
}

fn stored_property(info: &VarDictionary) -> Option<StoredProperty> {
    let usage = info.get("usage")?.try_to::<i64>().ok()?;
    if usage & PropertyUsageFlags::STORAGE.ord() as i64 == 0 {
        return None;
    }
    let name = info.get("name")?.stringify().to_string();
    if name == "script" || !backup_core::is_identifier(&name, TreeLimits::default().max_name_len) {
        return None;
    }
    let ty = VariantType::try_from_ord(info.get("type")?.try_to::<i32>().ok()?)?;
    let class_name = info
        .get("class_name")
        .map(|c| c.stringify().to_string())
        .unwrap_or_default();
    Some(StoredProperty {
        name,
        ty,
        class_name,
    })
}

/// What [`encode`] may meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// Resources of registered types and their plain form (save data).
    Resources,
    /// The plain form only (what a migration returns).
    PlainForm,
}

/// The bytes to store for `data` (named `root` in error messages): plain
/// `var_to_bytes` when it holds no Resource, a typed tree otherwise.
pub fn encode(
    data: &VarDictionary,
    root: &str,
    types: &SaveTypes,
    accept: Accept,
) -> Result<Vec<u8>, String> {
    let limits = TreeLimits::default();
    let is_registered = |n: &str| types.by_name(n).is_some();
    let mut encoder = Encoder {
        types,
        accept,
        builder: TreeBuilder::new(limits, &is_registered),
        written: HashMap::new(),
        open: HashSet::new(),
    };
    let value = data.to_variant();
    match encoder.encode(&value, &Path::root(root), 0)? {
        Encoded::Plain => Ok(godot::global::var_to_bytes(&value).to_vec()),
        Encoded::Node(_) => {
            let tree = encoder.builder.finish().map_err(|e| e.to_string())?;
            tree.encode(&limits).map_err(|e| e.to_string())
        }
    }
}

enum Encoded {
    /// Object-free: stored as it is.
    Plain,
    Node(NodeId),
}

struct Encoder<'a> {
    types: &'a SaveTypes,
    accept: Accept,
    builder: TreeBuilder<'a>,
    /// Resources already written, by instance id: shared, not copied.
    written: HashMap<i64, NodeId>,
    /// Resources being written (their ancestors): meeting one is a cycle.
    open: HashSet<i64>,
}

impl Encoder<'_> {
    fn encode(&mut self, value: &Variant, path: &Path, depth: usize) -> Result<Encoded, String> {
        if depth > MAX_DEPTH {
            return Err(variant_check::too_deep(path));
        }
        match value.get_type() {
            VariantType::OBJECT => self.object(value, path, depth),
            VariantType::CALLABLE | VariantType::SIGNAL | VariantType::RID => {
                Err(variant_check::refusal_of_kind(value, path).unwrap_or_default())
            }
            VariantType::ARRAY => self.array(value.to::<AnyArray>(), path, depth),
            VariantType::DICTIONARY => self.dictionary(value.to::<AnyDictionary>(), path, depth),
            _ => Ok(Encoded::Plain),
        }
    }

    fn node_of(&mut self, value: &Variant, encoded: Encoded) -> Result<NodeId, String> {
        match encoded {
            Encoded::Node(id) => Ok(id),
            Encoded::Plain => {
                self.push(TreeNode::Value(godot::global::var_to_bytes(value).to_vec()))
            }
        }
    }

    fn push(&mut self, node: TreeNode) -> Result<NodeId, String> {
        self.builder.push(node).map_err(|e| e.to_string())
    }

    fn array(&mut self, array: AnyArray, path: &Path, depth: usize) -> Result<Encoded, String> {
        let element = container_type_of_array(&array, self.types, path)?;
        let mut items = Vec::with_capacity(array.len());
        let mut any_node = element_is_object(&element);
        for (i, item) in array.iter_shared().enumerate() {
            let encoded = self.encode(&item, &path.index(i), depth + 1)?;
            any_node |= matches!(encoded, Encoded::Node(_));
            items.push((item, encoded));
        }
        if !any_node {
            return Ok(Encoded::Plain);
        }
        let mut ids = Vec::with_capacity(items.len());
        for (item, encoded) in items {
            ids.push(self.node_of(&item, encoded)?);
        }
        self.push(TreeNode::Array {
            element,
            items: ids,
        })
        .map(Encoded::Node)
    }

    fn dictionary(
        &mut self,
        dict: AnyDictionary,
        path: &Path,
        depth: usize,
    ) -> Result<Encoded, String> {
        if let Some(type_name) = dict.get(TYPE_KEY) {
            let Ok(plain) = dict.try_cast_var_dictionary() else {
                return Err(format!(
                    "{} is a typed Dictionary with the reserved key {TYPE_KEY:?}; a Resource's plain form is an untyped Dictionary",
                    path.render()
                ));
            };
            return self.plain_form_object(&plain, &type_name, path, depth);
        }
        let (key, value) = container_types_of_dictionary(&dict, self.types, path)?;
        let mut any_node = element_is_object(&key) || element_is_object(&value);
        let mut entries = Vec::with_capacity(dict.len());
        for (n, (k, v)) in dict.iter_shared().enumerate() {
            let ke = self.encode(&k, &path.key_itself(n), depth + 1)?;
            let ve = self.encode(&v, &path.key(&k), depth + 1)?;
            any_node |= matches!(ke, Encoded::Node(_)) || matches!(ve, Encoded::Node(_));
            entries.push((k, ke, v, ve));
        }
        if !any_node {
            return Ok(Encoded::Plain);
        }
        let mut ids = Vec::with_capacity(entries.len());
        for (k, ke, v, ve) in entries {
            ids.push((self.node_of(&k, ke)?, self.node_of(&v, ve)?));
        }
        self.push(TreeNode::Dictionary {
            key,
            value,
            entries: ids,
        })
        .map(Encoded::Node)
    }

    fn object(&mut self, value: &Variant, path: &Path, depth: usize) -> Result<Encoded, String> {
        let refused = || variant_check::refusal_of_object(value, path, true);
        if self.accept == Accept::PlainForm {
            return Err(format!(
                "{}; a migration returns the plain form ({{\"{TYPE_KEY}\": \"Type\", ...}})",
                variant_check::refusal_of_object(value, path, false)
            ));
        }
        let object = value.try_to::<Gd<Object>>().map_err(|_| refused())?;
        let id = object.instance_id().to_i64();
        if let Some(node) = self.written.get(&id) {
            return Ok(Encoded::Node(*node));
        }
        let types = self.types;
        let registered = types.of_object(&object).ok_or_else(refused)?;
        if !self.open.insert(id) {
            return Err(format!(
                "{} is a Resource ({}) that contains itself (a cycle); cycles cannot be saved",
                path.render(),
                registered.name
            ));
        }
        let mut properties = Vec::with_capacity(registered.properties.len());
        for p in &registered.properties {
            let v = object.get(p.name.as_str());
            let encoded = self.encode(&v, &path.property(&p.name), depth + 1)?;
            properties.push((p.name.clone(), self.node_of(&v, encoded)?));
        }
        self.open.remove(&id);
        let node = self.push(TreeNode::Object {
            type_name: registered.name.clone(),
            properties,
        })?;
        self.written.insert(id, node);
        Ok(Encoded::Node(node))
    }

    fn plain_form_object(
        &mut self,
        dict: &VarDictionary,
        type_name: &Variant,
        path: &Path,
        depth: usize,
    ) -> Result<Encoded, String> {
        let name = type_name.stringify().to_string();
        let types = self.types;
        let Some(registered) = types.by_name(&name) else {
            return Err(format!(
                "{} names type {name:?} under \"{TYPE_KEY}\", which is not registered (SaveGameManager.register_save_type); the key \"{TYPE_KEY}\" is reserved for Resources in plain form",
                path.render()
            ));
        };
        let mut properties = Vec::with_capacity(dict.len());
        for (k, v) in dict.iter_shared() {
            let key = k.stringify().to_string();
            if key == TYPE_KEY {
                continue;
            }
            // Renamed or removed properties are kept in the save (a newer
            // migration may still want them) and skipped when loading;
            // declared ones must hold their declared type.
            if let Some(declared) = registered.properties.iter().find(|p| p.name == key) {
                let described = v
                    .try_to::<VarDictionary>()
                    .is_ok_and(|d| d.contains_key(TYPE_KEY));
                let fitting = if described {
                    matches!(declared.ty, VariantType::NIL | VariantType::OBJECT)
                } else {
                    fits(declared, &v, types)
                };
                if !fitting {
                    return Err(format!(
                        "{} holds {} but {name}.{key} is declared {}",
                        path.key(&k).render(),
                        describe(&v),
                        describe_declared(declared)
                    ));
                }
            }
            let encoded = self.encode(&v, &path.key(&k), depth + 1)?;
            properties.push((key, self.node_of(&v, encoded)?));
        }
        self.push(TreeNode::Object {
            type_name: name,
            properties,
        })
        .map(Encoded::Node)
    }
}

fn element_is_object(ty: &ContainerType) -> bool {
    matches!(ty, ContainerType::Object { .. })
}

/// The element type of `array`; a typed Array of objects must be typed with
/// an engine class or a registered script.
fn container_type_of_array(
    array: &AnyArray,
    types: &SaveTypes,
    path: &Path,
) -> Result<ContainerType, String> {
    let v = array.to_variant();
    let builtin = v
        .call("get_typed_builtin", &[])
        .try_to::<i64>()
        .unwrap_or(0);
    let class = v.call("get_typed_class_name", &[]).stringify().to_string();
    let script = v.call("get_typed_script", &[]);
    container_type(builtin, class, &script, types, path)
}

fn container_types_of_dictionary(
    dict: &AnyDictionary,
    types: &SaveTypes,
    path: &Path,
) -> Result<(ContainerType, ContainerType), String> {
    if !has_typed_dictionaries() {
        return Ok((ContainerType::Untyped, ContainerType::Untyped));
    }
    let v = dict.to_variant();
    let get = |m: &str| v.call(m, &[]);
    let key = container_type(
        get("get_typed_key_builtin").try_to::<i64>().unwrap_or(0),
        get("get_typed_key_class_name").stringify().to_string(),
        &get("get_typed_key_script"),
        types,
        path,
    )?;
    let value = container_type(
        get("get_typed_value_builtin").try_to::<i64>().unwrap_or(0),
        get("get_typed_value_class_name").stringify().to_string(),
        &get("get_typed_value_script"),
        types,
        path,
    )?;
    Ok((key, value))
}

fn container_type(
    builtin: i64,
    class: String,
    script: &Variant,
    types: &SaveTypes,
    path: &Path,
) -> Result<ContainerType, String> {
    if builtin == 0 {
        return Ok(ContainerType::Untyped);
    }
    if builtin != i64::from(VARIANT_TYPE_OBJECT) {
        return Ok(ContainerType::Builtin(builtin as u8));
    }
    let script_type = match script.try_to::<Gd<Script>>() {
        Ok(s) => {
            let id = s.instance_id();
            let found = types
                .types
                .iter()
                .find(|t| t.script.instance_id() == id)
                .ok_or_else(|| {
                    format!(
                        "{} is typed with script {} ({}), which is not registered; register its type",
                        path.render(),
                        s.get_path(),
                        variant_check::script_class_name(&s)
                    )
                })?;
            Some(found.name.clone())
        }
        Err(_) => None,
    };
    Ok(ContainerType::Object { class, script_type })
}

/// Whether this Godot has typed Dictionaries (4.4+).
fn has_typed_dictionaries() -> bool {
    static TYPED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *TYPED.get_or_init(|| {
        let info = Engine::singleton().get_version_info();
        let num = |k: &str| {
            info.get(k)
                .and_then(|v| v.try_to::<i64>().ok())
                .unwrap_or(0)
        };
        (num("major"), num("minor")) >= (4, 4)
    })
}

/// How [`decode`] hands back Resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// As instances of their registered types.
    Resources,
    /// As plain-form Dictionaries (for migrations).
    Plain,
}

/// Why stored data could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// What went wrong, for `error_message`.
    pub message: String,
    /// False when the data is sound but names a type this game did not
    /// register (a configuration problem, not damage: no backup is better).
    pub damaged: bool,
}

impl DecodeError {
    fn damaged(message: String) -> Self {
        DecodeError {
            message,
            damaged: true,
        }
    }
}

/// Reads stored game data: plain `bytes_to_var` data as before, a typed tree
/// with every rule of [`TypedTree`] and of the registered types enforced.
pub fn decode(payload: &[u8], types: &SaveTypes, form: Form) -> Result<VarDictionary, DecodeError> {
    if !is_typed_payload(payload) {
        let value = godot::global::bytes_to_var(&PackedByteArray::from(payload));
        return value.try_to::<VarDictionary>().map_err(|_| {
            DecodeError::damaged(
                "slot data is not a Dictionary (not written by SaveGameManager.save_slot?)".into(),
            )
        });
    }
    let is_registered = |n: &str| types.by_name(n).is_some();
    let tree = TypedTree::decode(payload, &TreeLimits::default(), &is_registered).map_err(|e| {
        DecodeError {
            damaged: !matches!(e, TreeError::UnknownType(_)),
            message: format!("saved Resources were refused: {e}"),
        }
    })?;
    let mut values: Vec<Variant> = Vec::with_capacity(tree.nodes().len());
    for (i, node) in tree.nodes().iter().enumerate() {
        let value = materialize(node, &values, types, form).map_err(|e| {
            DecodeError::damaged(format!("saved Resources were refused: value #{i}: {e}"))
        })?;
        values.push(value);
    }
    values
        .pop()
        .and_then(|root| root.try_to::<VarDictionary>().ok())
        .ok_or_else(|| DecodeError::damaged("saved data is not a Dictionary".into()))
}

fn materialize(
    node: &TreeNode,
    done: &[Variant],
    types: &SaveTypes,
    form: Form,
) -> Result<Variant, String> {
    let at = |id: &NodeId| done[*id as usize].clone();
    match node {
        TreeNode::Value(bytes) => {
            let value = godot::global::bytes_to_var(&PackedByteArray::from(bytes.as_slice()));
            // Godot answers undecodable bytes with nil; a stored nil or a
            // null object reference (type 0 or 24 in the header) is nil too.
            if value.is_nil() && !matches!(bytes.first(), Some(0) | Some(24)) {
                return Err("not valid Godot data".into());
            }
            variant_check::check_storable(&value, "stored value")?;
            Ok(value)
        }
        TreeNode::Array { element, items } => {
            let mut array = VarArray::new();
            for id in items {
                array.push(&at(id));
            }
            if form == Form::Plain && element_is_object(element) {
                return Ok(array.to_variant());
            }
            typed_array(array, element, types)
        }
        TreeNode::Dictionary {
            key,
            value,
            entries,
        } => {
            let mut dict = VarDictionary::new();
            for (k, v) in entries {
                dict.set(&at(k), &at(v));
            }
            let plain = form == Form::Plain && (element_is_object(key) || element_is_object(value));
            if plain
                || !has_typed_dictionaries()
                || (*key == ContainerType::Untyped && *value == ContainerType::Untyped)
            {
                return Ok(dict.to_variant());
            }
            typed_dictionary(dict, key, value, types)
        }
        TreeNode::Object {
            type_name,
            properties,
        } => {
            let registered = types
                .by_name(type_name)
                .ok_or_else(|| format!("type {type_name} is not registered"))?;
            if form == Form::Plain {
                let mut dict = VarDictionary::new();
                dict.set(TYPE_KEY, type_name.as_str());
                for (name, id) in properties {
                    dict.set(name.as_str(), &at(id));
                }
                return Ok(dict.to_variant());
            }
            instantiate(registered, properties, done, types)
        }
    }
}

/// Creates a registered type through its script and sets its stored
/// properties. Properties the script no longer declares (renamed or
/// removed) are skipped; declared ones missing from the save keep their
/// defaults.
fn instantiate(
    registered: &RegisteredType,
    properties: &[(String, NodeId)],
    done: &[Variant],
    types: &SaveTypes,
) -> Result<Variant, String> {
    let name = &registered.name;
    let created = registered
        .script
        .clone()
        .upcast::<Object>()
        .try_call("new", &[])
        .map_err(|e| {
            format!("{name} could not be created ({e}); its _init must take no argument")
        })?;
    let mut object = created
        .try_to::<Gd<Object>>()
        .map_err(|_| format!("{name} could not be created (its _init must take no argument)"))?;
    for (prop, id) in properties {
        let Some(declared) = registered.properties.iter().find(|p| &p.name == prop) else {
            continue;
        };
        let value = &done[*id as usize];
        if !fits(declared, value, types) {
            return Err(format!(
                "{name}.{prop} holds {} but the script declares {}",
                describe(value),
                describe_declared(declared)
            ));
        }
        let value = &retyped_for(&object, prop, value);
        object.set(prop.as_str(), value);
        let back = object.get(prop.as_str());
        let same = (back.get_type() == value.get_type()
            || (declared.ty == VariantType::FLOAT && back.get_type() == VariantType::FLOAT))
            && size_of(&back) == size_of(value);
        if !same {
            return Err(format!(
                "{name}.{prop} could not be set to {} (the script refused the value)",
                describe(value)
            ));
        }
    }
    Ok(object.to_variant())
}

/// The value to set on a typed container property: a container of another
/// (or no) element type is copied into one typed like the property's
/// default, as GDScript would refuse it (the size check after setting
/// catches items that did not convert).
fn retyped_for(object: &Gd<Object>, prop: &str, value: &Variant) -> Variant {
    let ty = value.get_type();
    if ty != VariantType::ARRAY && !(ty == VariantType::DICTIONARY && has_typed_dictionaries()) {
        return value.clone();
    }
    let current = object.get(prop);
    if current.get_type() != ty
        || !current.call("is_typed", &[]).booleanize()
        || current
            .call("is_same_typed", std::slice::from_ref(value))
            .booleanize()
    {
        return value.clone();
    }
    let copy = current.call("duplicate", &[false.to_variant()]);
    copy.call("clear", &[]);
    copy.call("assign", std::slice::from_ref(value));
    copy
}

fn size_of(value: &Variant) -> i64 {
    match value.get_type() {
        VariantType::ARRAY | VariantType::DICTIONARY => {
            value.call("size", &[]).try_to::<i64>().unwrap_or(-1)
        }
        _ => 0,
    }
}

fn fits(declared: &StoredProperty, value: &Variant, types: &SaveTypes) -> bool {
    let ty = value.get_type();
    if ty == VariantType::NIL && declared.ty == VariantType::OBJECT {
        return true; // no Resource there
    }
    if declared.ty == VariantType::NIL || declared.ty == ty {
        if ty != VariantType::OBJECT || declared.class_name.is_empty() {
            return true;
        }
        let Ok(object) = value.try_to::<Gd<Object>>() else {
            return false;
        };
        if object.is_class(declared.class_name.as_str()) {
            return true;
        }
        // A script class: the object's script is it or inherits it.
        let Some(wanted) = types.by_name(&declared.class_name) else {
            return false;
        };
        let mut script = object.get_script();
        while let Some(s) = script {
            if s.instance_id() == wanted.script.instance_id() {
                return true;
            }
            script = s.get_base_script();
        }
        return false;
    }
    declared.ty == VariantType::FLOAT && ty == VariantType::INT
}

fn describe(value: &Variant) -> String {
    match value.try_to::<Gd<Object>>() {
        Ok(o) => o.get_class().to_string(),
        Err(_) => godot::global::type_string(value.get_type().ord() as i64).to_string(),
    }
}

fn describe_declared(p: &StoredProperty) -> String {
    if !p.class_name.is_empty() {
        return p.class_name.clone();
    }
    godot::global::type_string(p.ty.ord() as i64).to_string()
}

/// Builds typed containers through Godot's own constructors (gdext has no
/// API for an Array typed with a script class).
fn construct(source: &str, names: &[&str], inputs: VarArray) -> Result<Variant, String> {
    let mut expression = Expression::new_gd();
    let names: PackedStringArray = names.iter().map(|n| GString::from(*n)).collect();
    if expression.parse_ex(source).input_names(&names).done() != godot::global::Error::OK {
        return Err(format!("could not build {source}"));
    }
    let out = expression.execute_ex().inputs(&inputs).done();
    if expression.has_execute_failed() {
        return Err(format!("{source} failed: {}", expression.get_error_text()));
    }
    Ok(out)
}

fn type_args(ty: &ContainerType, types: &SaveTypes) -> Result<[Variant; 3], String> {
    Ok(match ty {
        ContainerType::Untyped => [
            0i64.to_variant(),
            StringName::default().to_variant(),
            Variant::nil(),
        ],
        ContainerType::Builtin(t) => [
            i64::from(*t).to_variant(),
            StringName::default().to_variant(),
            Variant::nil(),
        ],
        ContainerType::Object { class, script_type } => {
            if !ClassDb::singleton().class_exists(class.as_str()) {
                return Err(format!("container type {class} is not an engine class"));
            }
            let script = match script_type {
                Some(name) => types
                    .by_name(name)
                    .ok_or_else(|| format!("type {name} is not registered"))?
                    .script
                    .to_variant(),
                None => Variant::nil(),
            };
            [
                i64::from(VARIANT_TYPE_OBJECT).to_variant(),
                StringName::from(class.as_str()).to_variant(),
                script,
            ]
        }
    })
}

fn typed_array(
    array: VarArray,
    element: &ContainerType,
    types: &SaveTypes,
) -> Result<Variant, String> {
    if *element == ContainerType::Untyped {
        return Ok(array.to_variant());
    }
    let len = array.len();
    let [t, c, s] = type_args(element, types)?;
    let mut inputs = VarArray::new();
    for v in [array.to_variant(), t, c, s] {
        inputs.push(&v);
    }
    let out = construct("Array(a, t, c, s)", &["a", "t", "c", "s"], inputs)?;
    match out.try_to::<AnyArray>() {
        Ok(a) if a.len() == len => Ok(out),
        _ => Err("items do not match the Array's element type".into()),
    }
}

fn typed_dictionary(
    dict: VarDictionary,
    key: &ContainerType,
    value: &ContainerType,
    types: &SaveTypes,
) -> Result<Variant, String> {
    let len = dict.len();
    let [kt, kc, ks] = type_args(key, types)?;
    let [vt, vc, vs] = type_args(value, types)?;
    let mut inputs = VarArray::new();
    for v in [dict.to_variant(), kt, kc, ks, vt, vc, vs] {
        inputs.push(&v);
    }
    let out = construct(
        "Dictionary(d, kt, kc, ks, vt, vc, vs)",
        &["d", "kt", "kc", "ks", "vt", "vc", "vs"],
        inputs,
    )?;
    match out.try_to::<AnyDictionary>() {
        Ok(d) if d.len() == len => Ok(out),
        _ => Err("entries do not match the Dictionary's key or value type".into()),
    }
}
