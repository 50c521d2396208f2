//! The stored form of game data that holds registered custom Resources.
//!
//! Plain game data (no objects) is stored as Godot's own `var_to_bytes`
//! output, untouched. Data holding Resources of registered types is stored
//! as a [`TypedTree`]: a flat list of nodes, each either an object-free value
//! (opaque Godot bytes), a container whose items are other nodes, or an
//! object named by its registered type with its storage properties.
//!
//! The rules that make a tree safe to decode live here, without Godot:
//! - a typed payload starts with [`TYPED_PAYLOAD_MAGIC`], whose first byte
//!   (0xFF) is no Godot variant type: plain data can never be mistaken for a
//!   tree, nor a tree for plain data;
//! - every node refers only to nodes listed before it (the root is the last
//!   node), so a tree is acyclic by construction and decodes in one pass;
//! - a node referred to twice is one value (an object stays one shared
//!   instance);
//! - type and property names are identifiers, object types must be
//!   registered by the game, and node count, depth, name lengths and
//!   property counts stay within [`TreeLimits`].
//!
//! Nothing in a tree names a path or a script: the engine layer maps type
//! names to the game's own registered scripts.

mod builder;
mod codec;

pub use builder::TreeBuilder;
pub use codec::is_typed_payload;

use serde::{Deserialize, Serialize};

/// First bytes of a typed payload. Godot's `var_to_bytes` output starts with
/// a little-endian type word whose low byte is a variant type (< 64); 0xFF is
/// none, so the two forms cannot be confused.
pub const TYPED_PAYLOAD_MAGIC: [u8; 8] = [0xFF, b'B', b'S', b'T', b'R', b'E', b'E', 1];

/// Index of a node within its tree.
pub type NodeId = u32;

/// One node of a [`TypedTree`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TreeNode {
    /// An object-free value, as Godot's `var_to_bytes` wrote it.
    Value(Vec<u8>),
    /// An Array holding at least one object somewhere below it.
    Array {
        /// The element type of a typed Array.
        element: ContainerType,
        /// The items, in order.
        items: Vec<NodeId>,
    },
    /// A Dictionary holding at least one object somewhere below it.
    Dictionary {
        /// The key type of a typed Dictionary.
        key: ContainerType,
        /// The value type of a typed Dictionary.
        value: ContainerType,
        /// Key and value of each entry, in order.
        entries: Vec<(NodeId, NodeId)>,
    },
    /// A Resource of a registered type and its storage properties.
    Object {
        /// The registered type (a script's `class_name`).
        type_name: String,
        /// Name and value of each stored property, in order.
        properties: Vec<(String, NodeId)>,
    },
}

impl TreeNode {
    /// The nodes this node refers to.
    pub fn children(&self) -> Vec<NodeId> {
        match self {
            TreeNode::Value(_) => Vec::new(),
            TreeNode::Array { items, .. } => items.clone(),
            TreeNode::Dictionary { entries, .. } => {
                entries.iter().flat_map(|(k, v)| [*k, *v]).collect()
            }
            TreeNode::Object { properties, .. } => properties.iter().map(|(_, v)| *v).collect(),
        }
    }
}

/// The element type of a typed container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ContainerType {
    /// Not typed.
    Untyped,
    /// A built-in Variant type other than Object (Godot's `TYPE_*` number).
    Builtin(u8),
    /// Objects of an engine class (`Resource`), optionally of a registered
    /// script type.
    Object {
        /// The engine class (an identifier, e.g. `Resource`).
        class: String,
        /// The registered script type, when the container is typed with one.
        script_type: Option<String>,
    },
}

/// Game data with registered Resources, as stored. The last node is the root.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypedTree {
    nodes: Vec<TreeNode>,
}

impl TypedTree {
    /// The nodes, children before parents.
    pub fn nodes(&self) -> &[TreeNode] {
        &self.nodes
    }

    /// The root node (the last one), if any.
    pub fn root(&self) -> Option<NodeId> {
        self.nodes.len().checked_sub(1).map(|i| i as NodeId)
    }
}

/// Bounds on a tree, checked both when writing and when reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeLimits {
    /// Most nodes in one tree.
    pub max_nodes: usize,
    /// Deepest nesting of containers and objects (a value alone is depth 1).
    pub max_depth: usize,
    /// Longest type or property name, in bytes.
    pub max_name_len: usize,
    /// Most properties of one object.
    pub max_properties: usize,
    /// Largest encoded tree, in bytes.
    pub max_bytes: usize,
}

impl Default for TreeLimits {
    fn default() -> Self {
        TreeLimits {
            max_nodes: 1_000_000,
            max_depth: 128,
            max_name_len: 128,
            max_properties: 1024,
            max_bytes: 256 << 20,
        }
    }
}

/// Why a tree was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TreeError {
    /// The bytes do not start with [`TYPED_PAYLOAD_MAGIC`].
    #[error("not a typed payload (bad magic)")]
    BadMagic,
    /// The bytes after the magic are not a well-formed tree.
    #[error("typed payload is malformed: {0}")]
    Malformed(String),
    /// The tree has no node at all.
    #[error("typed payload holds no value")]
    Empty,
    /// The encoded tree is larger than allowed.
    #[error("typed payload of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// Size of the encoded tree in bytes.
        size: usize,
        /// The byte limit.
        limit: usize,
    },
    /// More nodes than allowed.
    #[error("more than {limit} values in one save")]
    TooManyNodes {
        /// The node limit.
        limit: usize,
    },
    /// Nested deeper than allowed.
    #[error("values nested deeper than {limit} levels")]
    TooDeep {
        /// The depth limit.
        limit: usize,
    },
    /// A node refers to itself, a later node, or a node that does not exist.
    #[error("value {node} refers to value {child}, which is not listed before it")]
    ForwardReference {
        /// The node holding the reference.
        node: NodeId,
        /// The node it refers to.
        child: NodeId,
    },
    /// An object type that the game did not register.
    #[error("type {0:?} is not registered (SaveGameManager.register_save_type)")]
    UnknownType(String),
    /// A type or property name that is not an identifier, or too long.
    #[error(
        "{what} {name:?} is not a valid identifier (letters, digits, _; at most {limit} bytes)"
    )]
    BadName {
        /// What the name is of ("type", "property").
        what: &'static str,
        /// The refused name.
        name: String,
        /// The length limit in bytes.
        limit: usize,
    },
    /// The same property appears twice in one object.
    #[error("property {property:?} of {type_name} appears twice")]
    DuplicateProperty {
        /// The object's type.
        type_name: String,
        /// The repeated property.
        property: String,
    },
    /// An object has more properties than allowed.
    #[error("{type_name} has more than {limit} properties")]
    TooManyProperties {
        /// The object's type.
        type_name: String,
        /// The property limit.
        limit: usize,
    },
    /// A typed container names a type that is not a built-in or is Object.
    #[error("container element type {0} is not a built-in Variant type")]
    BadBuiltinType(u8),
}

/// Godot's `TYPE_MAX` in 4.3+ (Packed Vector4 array is 38).
pub const VARIANT_TYPE_COUNT: u8 = 39;
/// Godot's `TYPE_OBJECT`.
pub const VARIANT_TYPE_OBJECT: u8 = 24;

/// Whether `name` is an identifier of at most `limit` bytes: an ASCII letter
/// or `_`, then letters, digits or `_`.
pub fn is_identifier(name: &str, limit: usize) -> bool {
    let mut bytes = name.bytes();
    let Some(first) = bytes.next() else {
        return false;
    };
    name.len() <= limit
        && (first.is_ascii_alphabetic() || first == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests;
