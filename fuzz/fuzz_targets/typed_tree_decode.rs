//! The typed-tree reader (registered Resources in a save) on arbitrary
//! bytes: it must never panic or allocate for counts the input cannot back,
//! and whatever it accepts must obey the tree's rules (children listed
//! before parents, registered types only, within the limits) and re-encode
//! to a tree that reads back the same.
#![no_main]

use backup_core::{TreeLimits, TreeNode, TypedTree, TYPED_PAYLOAD_MAGIC};
use libfuzzer_sys::fuzz_target;

fn registered(name: &str) -> bool {
    matches!(name, "Item" | "Inventory" | "PlayerProfile")
}

fuzz_target!(|data: &[u8]| {
    let limits = TreeLimits {
        max_nodes: 4096,
        max_depth: 32,
        max_bytes: 1 << 16,
        ..TreeLimits::default()
    };
    // Most inputs should reach the node reader: prepend the magic to half.
    let mut with_magic = TYPED_PAYLOAD_MAGIC.to_vec();
    with_magic.extend_from_slice(data);
    for input in [data, &with_magic[..]] {
        let Ok(tree) = TypedTree::decode(input, &limits, &registered) else {
            continue;
        };
        assert!(tree.nodes().len() <= limits.max_nodes);
        for (i, node) in tree.nodes().iter().enumerate() {
            assert!(node.children().iter().all(|c| (*c as usize) < i));
            if let TreeNode::Object { type_name, .. } = node {
                assert!(registered(type_name));
            }
        }
        // Re-encoding gives a tree that reads back the same (postcard may
        // accept non-minimal varints, so the bytes themselves may differ).
        let again = tree.encode(&limits).expect("accepted tree encodes");
        assert_eq!(TypedTree::decode(&again, &limits, &registered), Ok(tree));
    }
});
