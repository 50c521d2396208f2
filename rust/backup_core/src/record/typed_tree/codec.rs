//! Bytes of a typed payload: the magic, then the node list in `postcard`
//! form. Decoding re-checks every rule through [`TreeBuilder`], so a
//! hostile file gets no further than a tree the writer could have made.

use super::{TreeBuilder, TreeError, TreeLimits, TreeNode, TypedTree, TYPED_PAYLOAD_MAGIC};

/// Whether `payload` is a typed payload (starts with the magic) rather than
/// plain Godot bytes.
pub fn is_typed_payload(payload: &[u8]) -> bool {
    payload.starts_with(&TYPED_PAYLOAD_MAGIC)
}

impl TypedTree {
    /// The payload bytes of this tree, refused when larger than the limit.
    pub fn encode(&self, limits: &TreeLimits) -> Result<Vec<u8>, TreeError> {
        let mut out = TYPED_PAYLOAD_MAGIC.to_vec();
        let body =
            postcard::to_stdvec(&self.nodes).map_err(|e| TreeError::Malformed(e.to_string()))?;
        out.extend_from_slice(&body);
        if out.len() > limits.max_bytes {
            return Err(TreeError::TooLarge {
                size: out.len(),
                limit: limits.max_bytes,
            });
        }
        Ok(out)
    }

    /// Reads a typed payload, accepting only object types for which
    /// `is_registered` is true and only trees within `limits`.
    pub fn decode(
        payload: &[u8],
        limits: &TreeLimits,
        is_registered: &dyn Fn(&str) -> bool,
    ) -> Result<TypedTree, TreeError> {
        if payload.len() > limits.max_bytes {
            return Err(TreeError::TooLarge {
                size: payload.len(),
                limit: limits.max_bytes,
            });
        }
        let body = payload
            .strip_prefix(&TYPED_PAYLOAD_MAGIC[..])
            .ok_or(TreeError::BadMagic)?;
        // The node count first (postcard writes a sequence length as a
        // varint, as it writes a u64), so that a hostile count is refused
        // before anything is allocated for it.
        let malformed = |e: postcard::Error| TreeError::Malformed(e.to_string());
        let (count, mut rest) = postcard::take_from_bytes::<u64>(body).map_err(malformed)?;
        if count > limits.max_nodes as u64 {
            return Err(TreeError::TooManyNodes {
                limit: limits.max_nodes,
            });
        }
        let mut builder = TreeBuilder::new(*limits, is_registered);
        for _ in 0..count {
            let (node, after) = postcard::take_from_bytes::<TreeNode>(rest).map_err(malformed)?;
            builder.push(node)?;
            rest = after;
        }
        if !rest.is_empty() {
            return Err(TreeError::Malformed(format!(
                "{} unexpected trailing bytes",
                rest.len()
            )));
        }
        builder.finish()
    }
}
