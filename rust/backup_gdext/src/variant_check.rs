//! What a save may hold, checked before anything is written.
//!
//! `var_to_bytes` silently turns an Object into an id that means nothing
//! after a restart, and Callables, Signals and RIDs into values just as
//! useless. A save holding one is refused with the path of the value, so the
//! developer learns at the first save, not when a player loads.
//!
//! [`check_storable`] is the one check for plain data (the `info`
//! Dictionary, data of async saves before they leave the main thread);
//! `save_types` uses the same [`Path`] and messages when it also allows
//! registered Resources.

use backup_core::is_identifier;
use godot::prelude::*;

/// Deepest nesting accepted in saved data (Godot's own encoder stops at
/// 1024; a cyclic Array would otherwise never end).
pub const MAX_DEPTH: usize = 128;

/// Where a value sits in the saved data, built on the stack while walking
/// and turned into text (`data.inventory.items[3]`) only for an error.
pub struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    segment: Segment<'a>,
}

enum Segment<'a> {
    Root(&'a str),
    Key(&'a Variant),
    KeyItself(usize),
    Index(usize),
    Property(&'a str),
}

impl<'a> Path<'a> {
    /// The path of the whole value (`data`, `info`).
    pub fn root(name: &'a str) -> Self {
        Path {
            parent: None,
            segment: Segment::Root(name),
        }
    }

    /// The value under `key` of this Dictionary.
    pub fn key(&'a self, key: &'a Variant) -> Path<'a> {
        self.child(Segment::Key(key))
    }

    /// The `n`-th key itself of this Dictionary.
    pub fn key_itself(&'a self, n: usize) -> Path<'a> {
        self.child(Segment::KeyItself(n))
    }

    /// Item `i` of this Array.
    pub fn index(&'a self, i: usize) -> Path<'a> {
        self.child(Segment::Index(i))
    }

    /// Property `name` of this Resource.
    pub fn property(&'a self, name: &'a str) -> Path<'a> {
        self.child(Segment::Property(name))
    }

    fn child(&'a self, segment: Segment<'a>) -> Path<'a> {
        Path {
            parent: Some(self),
            segment,
        }
    }

    /// The path as a script would write it: `data.inventory.items[3]`,
    /// `data.scores["Patrol Alpha"]`, `data.map{key #2}`.
    pub fn render(&self) -> String {
        let mut chain = vec![&self.segment];
        let mut at = self.parent;
        while let Some(p) = at {
            chain.push(&p.segment);
            at = p.parent;
        }
        let mut out = String::new();
        for segment in chain.into_iter().rev() {
            match segment {
                Segment::Root(name) => out.push_str(name),
                Segment::Property(name) => {
                    out.push('.');
                    out.push_str(name);
                }
                Segment::Index(i) => out.push_str(&format!("[{i}]")),
                Segment::KeyItself(n) => out.push_str(&format!("{{key #{n}}}")),
                Segment::Key(key) => {
                    let is_text = matches!(
                        key.get_type(),
                        VariantType::STRING | VariantType::STRING_NAME
                    );
                    let text = key.stringify().to_string();
                    if is_text && is_identifier(&text, 256) {
                        out.push('.');
                        out.push_str(&text);
                    } else {
                        out.push_str(&format!("[{}]", godot::global::var_to_str(key)));
                    }
                }
            }
        }
        out
    }
}

/// The refusal for a value that no save can hold whatever is registered
/// (Callable, Signal, RID), or `None`.
pub fn refusal_of_kind(value: &Variant, path: &Path) -> Option<String> {
    let why = match value.get_type() {
        VariantType::CALLABLE => {
            "is a Callable; functions cannot be saved: store a name or id that tells the game what to call"
        }
        VariantType::SIGNAL => {
            "is a Signal; signals cannot be saved: connect them again after loading"
        }
        VariantType::RID => {
            "is an RID, a handle that is only valid while the game runs; save the data it refers to instead"
        }
        _ => return None,
    };
    Some(format!("{} {why}", path.render()))
}

/// The refusal for an Object that is not allowed here. `registrable` says
/// whether registering its type would help (save data) or not (`info`,
/// migration results).
pub fn refusal_of_object(value: &Variant, path: &Path, registrable: bool) -> String {
    let Ok(object) = value.try_to::<Gd<Object>>() else {
        return format!(
            "{} is a freed Object; save plain data (a Dictionary) instead",
            path.render()
        );
    };
    let class = object.get_class().to_string();
    let script_name = object
        .get_script()
        .map(|s| script_class_name(&s))
        .filter(|n| !n.is_empty());
    let shown = script_name.unwrap_or_else(|| class.clone());
    let is_resource = object.is_class("Resource");
    let kind = if is_resource {
        "a Resource"
    } else {
        "an Object"
    };
    let advice = match (is_resource, registrable) {
        (true, true) => "register its type or convert it to a Dictionary",
        (false, true) => {
            "only Resources of registered types can be saved; convert it to a Dictionary"
        }
        (_, false) => "only plain data can be stored here; convert it to a Dictionary",
    };
    format!("{} is {kind} ({shown}); {advice}", path.render())
}

/// The `class_name` of a script, found in the project's global class list
/// (works on every Godot 4.x, unlike `Script.get_global_name`).
pub fn script_class_name(script: &Gd<godot::classes::Script>) -> String {
    let path = script.get_path();
    if path.is_empty() {
        return String::new();
    }
    godot::classes::ProjectSettings::singleton()
        .get_global_class_list()
        .iter_shared()
        .find(|entry| entry.get("path").map(|p| p.stringify()) == Some(path.clone()))
        .and_then(|entry| entry.get("class"))
        .map(|c| c.stringify().to_string())
        .unwrap_or_default()
}

/// Refuses `value` (named `root` in messages) when it holds, at any depth
/// (Dictionary keys and values, Array items), an Object, a Callable, a
/// Signal or an RID, or nests deeper than [`MAX_DEPTH`]. The check async
/// saves run on the main thread before handing data to a worker.
pub fn check_storable(value: &Variant, root: &str) -> Result<(), String> {
    walk(value, &Path::root(root), 0)
}

fn walk(value: &Variant, path: &Path, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(too_deep(path));
    }
    match value.get_type() {
        VariantType::OBJECT => Err(refusal_of_object(value, path, false)),
        VariantType::CALLABLE | VariantType::SIGNAL | VariantType::RID => {
            Err(refusal_of_kind(value, path).unwrap_or_default())
        }
        VariantType::ARRAY => {
            for (i, item) in value.to::<AnyArray>().iter_shared().enumerate() {
                walk(&item, &path.index(i), depth + 1)?;
            }
            Ok(())
        }
        VariantType::DICTIONARY => {
            for (n, (key, item)) in value.to::<AnyDictionary>().iter_shared().enumerate() {
                walk(&key, &path.key_itself(n), depth + 1)?;
                walk(&item, &path.key(&key), depth + 1)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The refusal for data nested too deep (or an Array that contains itself).
pub fn too_deep(path: &Path) -> String {
    format!(
        "{} is nested deeper than {MAX_DEPTH} levels (an Array or Dictionary that contains itself?)",
        path.render()
    )
}
