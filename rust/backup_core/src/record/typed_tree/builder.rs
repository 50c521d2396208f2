//! Building a tree node by node, every rule checked as a node is added: the
//! writer and the reader share this one gate.

use super::{
    is_identifier, ContainerType, NodeId, TreeError, TreeLimits, TreeNode, TypedTree,
    VARIANT_TYPE_COUNT, VARIANT_TYPE_OBJECT,
};

/// Adds nodes to a tree, children first, refusing any node that breaks a
/// rule of [`TypedTree`] or a [`TreeLimits`] bound.
pub struct TreeBuilder<'a> {
    limits: TreeLimits,
    is_registered: &'a dyn Fn(&str) -> bool,
    nodes: Vec<TreeNode>,
    depths: Vec<usize>,
}

impl<'a> TreeBuilder<'a> {
    /// A builder accepting object types for which `is_registered` is true.
    pub fn new(limits: TreeLimits, is_registered: &'a dyn Fn(&str) -> bool) -> Self {
        TreeBuilder {
            limits,
            is_registered,
            nodes: Vec::new(),
            depths: Vec::new(),
        }
    }

    /// Adds `node` and returns its id; its children must already be added.
    pub fn push(&mut self, node: TreeNode) -> Result<NodeId, TreeError> {
        if self.nodes.len() >= self.limits.max_nodes {
            return Err(TreeError::TooManyNodes {
                limit: self.limits.max_nodes,
            });
        }
        let id = self.nodes.len() as NodeId;
        self.check_names(&node)?;
        let mut depth = 1;
        for child in node.children() {
            let child_depth = self
                .depths
                .get(child as usize)
                .ok_or(TreeError::ForwardReference { node: id, child })?;
            depth = depth.max(child_depth + 1);
        }
        if depth > self.limits.max_depth {
            return Err(TreeError::TooDeep {
                limit: self.limits.max_depth,
            });
        }
        self.nodes.push(node);
        self.depths.push(depth);
        Ok(id)
    }

    /// Number of nodes added so far.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether no node was added yet.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The finished tree; its root is the node added last.
    pub fn finish(self) -> Result<TypedTree, TreeError> {
        if self.nodes.is_empty() {
            return Err(TreeError::Empty);
        }
        Ok(TypedTree { nodes: self.nodes })
    }

    fn check_type_name(&self, name: &str) -> Result<(), TreeError> {
        self.check_identifier("type name", name)?;
        if !(self.is_registered)(name) {
            return Err(TreeError::UnknownType(name.to_string()));
        }
        Ok(())
    }

    fn check_identifier(&self, what: &'static str, name: &str) -> Result<(), TreeError> {
        if is_identifier(name, self.limits.max_name_len) {
            Ok(())
        } else {
            Err(TreeError::BadName {
                what,
                name: name.chars().take(self.limits.max_name_len).collect(),
                limit: self.limits.max_name_len,
            })
        }
    }

    fn check_container_type(&self, ty: &ContainerType) -> Result<(), TreeError> {
        match ty {
            ContainerType::Untyped => Ok(()),
            ContainerType::Builtin(t) if *t >= VARIANT_TYPE_COUNT || *t == VARIANT_TYPE_OBJECT => {
                Err(TreeError::BadBuiltinType(*t))
            }
            ContainerType::Builtin(_) => Ok(()),
            ContainerType::Object { class, script_type } => {
                self.check_identifier("engine class", class)?;
                match script_type {
                    Some(name) => self.check_type_name(name),
                    None => Ok(()),
                }
            }
        }
    }

    fn check_names(&self, node: &TreeNode) -> Result<(), TreeError> {
        match node {
            TreeNode::Value(_) => Ok(()),
            TreeNode::Array { element, .. } => self.check_container_type(element),
            TreeNode::Dictionary { key, value, .. } => {
                self.check_container_type(key)?;
                self.check_container_type(value)
            }
            TreeNode::Object {
                type_name,
                properties,
            } => {
                self.check_type_name(type_name)?;
                if properties.len() > self.limits.max_properties {
                    return Err(TreeError::TooManyProperties {
                        type_name: type_name.clone(),
                        limit: self.limits.max_properties,
                    });
                }
                let mut seen = std::collections::HashSet::with_capacity(properties.len());
                for (name, _) in properties {
                    self.check_identifier("property name", name)?;
                    if !seen.insert(name.as_str()) {
                        return Err(TreeError::DuplicateProperty {
                            type_name: type_name.clone(),
                            property: name.clone(),
                        });
                    }
                }
                Ok(())
            }
        }
    }
}
