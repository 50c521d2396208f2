use super::*;
use proptest::prelude::*;

fn registered(name: &str) -> bool {
    matches!(name, "Item" | "Inventory")
}

fn limits() -> TreeLimits {
    TreeLimits::default()
}

/// `{"inventory": Inventory{items: [Item, Item(same)]}}` with one shared Item.
fn sample_tree() -> TypedTree {
    let mut b = TreeBuilder::new(limits(), &registered);
    let name = b
        .push(TreeNode::Value(vec![4, 0, 0, 0, 1, 0, 0, 0, b'x', 0, 0, 0]))
        .unwrap();
    let item = b
        .push(TreeNode::Object {
            type_name: "Item".into(),
            properties: vec![("name".into(), name)],
        })
        .unwrap();
    let items = b
        .push(TreeNode::Array {
            element: ContainerType::Object {
                class: "Resource".into(),
                script_type: Some("Item".into()),
            },
            items: vec![item, item],
        })
        .unwrap();
    let inventory = b
        .push(TreeNode::Object {
            type_name: "Inventory".into(),
            properties: vec![("items".into(), items)],
        })
        .unwrap();
    let key = b
        .push(TreeNode::Value(vec![
            4, 0, 0, 0, 3, 0, 0, 0, b'i', b'n', b'v', 0,
        ]))
        .unwrap();
    b.push(TreeNode::Dictionary {
        key: ContainerType::Untyped,
        value: ContainerType::Builtin(24 + 1),
        entries: vec![(key, inventory)],
    })
    .unwrap();
    b.finish().unwrap()
}

fn decode(bytes: &[u8]) -> Result<TypedTree, TreeError> {
    TypedTree::decode(bytes, &limits(), &registered)
}

/// Encodes raw nodes without the builder's checks (what a hostile file holds).
fn forge(nodes: &[TreeNode]) -> Vec<u8> {
    let mut out = TYPED_PAYLOAD_MAGIC.to_vec();
    out.extend(postcard::to_stdvec(nodes).unwrap());
    out
}

#[test]
fn tree_round_trips_with_shared_node_kept_once() {
    let tree = sample_tree();
    let bytes = tree.encode(&limits()).unwrap();
    assert!(is_typed_payload(&bytes));
    let back = decode(&bytes).unwrap();
    assert_eq!(back, tree);
    assert_eq!(back.root(), Some(5));
    // The two array items are one node: the decoder yields one instance.
    match &back.nodes()[2] {
        TreeNode::Array { items, .. } => assert_eq!(items, &vec![1, 1]),
        other => panic!("expected an array, got {other:?}"),
    }
}

#[test]
fn plain_godot_bytes_are_never_typed_payloads() {
    // var_to_bytes of any Variant starts with its type (< 64) in the low byte.
    for ty in 0u8..64 {
        let mut plain = vec![ty, 0, 0, 0];
        plain.extend_from_slice(&TYPED_PAYLOAD_MAGIC);
        assert!(!is_typed_payload(&plain));
        assert_eq!(decode(&plain), Err(TreeError::BadMagic));
    }
}

#[test]
fn a_node_referring_to_itself_or_a_later_node_is_refused() {
    let cyclic = forge(&[TreeNode::Array {
        element: ContainerType::Untyped,
        items: vec![0],
    }]);
    assert_eq!(
        decode(&cyclic),
        Err(TreeError::ForwardReference { node: 0, child: 0 })
    );
    let forward = forge(&[
        TreeNode::Object {
            type_name: "Item".into(),
            properties: vec![("next".into(), 1)],
        },
        TreeNode::Object {
            type_name: "Item".into(),
            properties: vec![("next".into(), 0)],
        },
    ]);
    assert_eq!(
        decode(&forward),
        Err(TreeError::ForwardReference { node: 0, child: 1 })
    );
}

#[test]
fn unregistered_types_and_path_like_names_are_refused() {
    let bytes = sample_tree().encode(&limits()).unwrap();
    let only_item = |n: &str| n == "Item";
    assert_eq!(
        TypedTree::decode(&bytes, &limits(), &only_item),
        Err(TreeError::UnknownType("Inventory".into()))
    );
    for evil in ["res://evil.gd", "../Item", "Item.gd", "", "1Item", "Ité"] {
        let allow_all = |_: &str| true;
        let bytes = forge(&[TreeNode::Object {
            type_name: evil.into(),
            properties: vec![],
        }]);
        let err = TypedTree::decode(&bytes, &limits(), &allow_all).unwrap_err();
        assert!(
            matches!(
                err,
                TreeError::BadName {
                    what: "type name",
                    ..
                }
            ),
            "{evil}: {err}"
        );
    }
    let script_typed = forge(&[TreeNode::Array {
        element: ContainerType::Object {
            class: "Resource".into(),
            script_type: Some("Evil".into()),
        },
        items: vec![],
    }]);
    assert_eq!(
        decode(&script_typed),
        Err(TreeError::UnknownType("Evil".into()))
    );
}

#[test]
fn bad_property_names_and_duplicates_are_refused() {
    let value = TreeNode::Value(vec![0, 0, 0, 0]);
    let object = |props: Vec<(&str, NodeId)>| TreeNode::Object {
        type_name: "Item".into(),
        properties: props.into_iter().map(|(n, v)| (n.to_string(), v)).collect(),
    };
    let bad = forge(&[value.clone(), object(vec![("script", 0), ("a-b", 0)])]);
    assert!(matches!(
        decode(&bad),
        Err(TreeError::BadName {
            what: "property name",
            ..
        })
    ));
    let dup = forge(&[value, object(vec![("name", 0), ("name", 0)])]);
    assert_eq!(
        decode(&dup),
        Err(TreeError::DuplicateProperty {
            type_name: "Item".into(),
            property: "name".into()
        })
    );
}

#[test]
fn object_and_unknown_builtin_element_types_are_refused() {
    for ty in [VARIANT_TYPE_OBJECT, VARIANT_TYPE_COUNT, 255] {
        let bytes = forge(&[TreeNode::Array {
            element: ContainerType::Builtin(ty),
            items: vec![],
        }]);
        assert_eq!(decode(&bytes), Err(TreeError::BadBuiltinType(ty)));
    }
}

#[test]
fn depth_beyond_the_limit_is_refused_when_writing_and_reading() {
    let small = TreeLimits {
        max_depth: 4,
        ..limits()
    };
    let mut nodes = vec![TreeNode::Value(vec![0, 0, 0, 0])];
    for i in 0..4 {
        nodes.push(TreeNode::Array {
            element: ContainerType::Untyped,
            items: vec![i],
        });
    }
    let mut b = TreeBuilder::new(small, &registered);
    let mut last = Ok(0);
    for node in nodes.clone() {
        last = b.push(node);
        if last.is_err() {
            break;
        }
    }
    assert_eq!(last, Err(TreeError::TooDeep { limit: 4 }));
    assert_eq!(b.len(), 4);
    assert_eq!(
        TypedTree::decode(&forge(&nodes), &small, &registered),
        Err(TreeError::TooDeep { limit: 4 })
    );
    assert!(TypedTree::decode(&forge(&nodes[..4]), &small, &registered).is_ok());
}

#[test]
fn node_count_is_refused_before_allocation() {
    let mut bytes = TYPED_PAYLOAD_MAGIC.to_vec();
    // varint of u64::MAX: a count no input could back.
    bytes.extend([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]);
    assert_eq!(
        decode(&bytes),
        Err(TreeError::TooManyNodes {
            limit: limits().max_nodes
        })
    );
    let few = TreeLimits {
        max_nodes: 2,
        ..limits()
    };
    let three = forge(&[
        TreeNode::Value(vec![]),
        TreeNode::Value(vec![]),
        TreeNode::Value(vec![]),
    ]);
    assert_eq!(
        TypedTree::decode(&three, &few, &registered),
        Err(TreeError::TooManyNodes { limit: 2 })
    );
}

#[test]
fn size_limit_applies_to_both_directions() {
    let tree = sample_tree();
    let size = tree.encode(&limits()).unwrap().len();
    let tight = TreeLimits {
        max_bytes: size - 1,
        ..limits()
    };
    assert_eq!(
        tree.encode(&tight),
        Err(TreeError::TooLarge {
            size,
            limit: size - 1
        })
    );
    let bytes = tree.encode(&limits()).unwrap();
    assert_eq!(
        TypedTree::decode(&bytes, &tight, &registered),
        Err(TreeError::TooLarge {
            size,
            limit: size - 1
        })
    );
}

#[test]
fn truncation_trailing_bytes_and_empty_trees_are_refused() {
    let bytes = sample_tree().encode(&limits()).unwrap();
    for cut in TYPED_PAYLOAD_MAGIC.len()..bytes.len() {
        assert!(
            matches!(decode(&bytes[..cut]), Err(TreeError::Malformed(_))),
            "cut at {cut}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(decode(&longer), Err(TreeError::Malformed(_))));
    assert_eq!(decode(&forge(&[])), Err(TreeError::Empty));
}

proptest! {
    #[test]
    fn arbitrary_bytes_after_the_magic_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut bytes = TYPED_PAYLOAD_MAGIC.to_vec();
        bytes.extend(body);
        if let Ok(tree) = decode(&bytes) {
            // Whatever is accepted re-encodes to a tree that reads back the same.
            let again = tree.encode(&limits()).unwrap();
            prop_assert_eq!(decode(&again), Ok(tree));
        }
    }
}

#[test]
fn the_stored_bytes_keep_their_layout() {
    // Saves on players' disks depend on this layout: magic, node count,
    // then each node as its variant index and fields (postcard). The same
    // bytes are the fuzz seed fuzz/seeds/typed_tree_decode/item.
    let mut bytes = TYPED_PAYLOAD_MAGIC.to_vec();
    bytes.extend([2, 0, 4, 0, 0, 0, 0, 3, 4, b'I', b't', b'e', b'm', 1, 4]);
    bytes.extend(*b"name");
    bytes.push(0);
    assert_eq!(
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fuzz/seeds/typed_tree_decode/item"
        ))
        .unwrap(),
        bytes
    );
    let tree = decode(&bytes).unwrap();
    assert_eq!(
        tree.nodes(),
        &[
            TreeNode::Value(vec![0, 0, 0, 0]),
            TreeNode::Object {
                type_name: "Item".into(),
                properties: vec![("name".into(), 0)],
            },
        ]
    );
    assert_eq!(tree.encode(&limits()).unwrap(), bytes);
}

/// A valid tree of up to `n` nodes: each node refers only to earlier ones.
fn arbitrary_tree() -> impl Strategy<Value = Vec<TreeNode>> {
    proptest::collection::vec(
        (
            0u8..4,
            proptest::collection::vec(any::<u8>(), 0..6),
            proptest::collection::vec(any::<u32>(), 0..4),
        ),
        1..24,
    )
    .prop_map(|raw| {
        let mut nodes = Vec::new();
        for (i, (kind, bytes, refs)) in raw.into_iter().enumerate() {
            let refs: Vec<NodeId> = if i == 0 {
                Vec::new()
            } else {
                refs.iter().map(|r| r % i as u32).collect()
            };
            nodes.push(match (kind, refs.is_empty()) {
                (0, _) | (_, true) => TreeNode::Value(bytes),
                (1, _) => TreeNode::Array {
                    element: ContainerType::Untyped,
                    items: refs,
                },
                (2, _) => TreeNode::Dictionary {
                    key: ContainerType::Builtin(4),
                    value: ContainerType::Object {
                        class: "Resource".into(),
                        script_type: Some("Item".into()),
                    },
                    entries: refs.iter().map(|r| (*r, *r)).collect(),
                },
                _ => TreeNode::Object {
                    type_name: "Inventory".into(),
                    properties: refs
                        .iter()
                        .enumerate()
                        .map(|(n, r)| (format!("p{n}"), *r))
                        .collect(),
                },
            });
        }
        nodes
    })
}

proptest! {
    #[test]
    fn valid_trees_round_trip_and_damaged_ones_never_panic(
        nodes in arbitrary_tree(),
        flip_at in any::<usize>(),
        flip_to in any::<u8>(),
    ) {
        let bytes = forge(&nodes);
        let tree = decode(&bytes).unwrap();
        prop_assert_eq!(tree.nodes(), &nodes[..]);
        prop_assert_eq!(tree.encode(&limits()).unwrap(), bytes.clone());
        // One damaged byte after the magic: refused, or still a valid tree.
        let mut damaged = bytes.clone();
        let at = TYPED_PAYLOAD_MAGIC.len() + flip_at % (bytes.len() - TYPED_PAYLOAD_MAGIC.len());
        damaged[at] = flip_to;
        if let Ok(tree) = decode(&damaged) {
            for (i, node) in tree.nodes().iter().enumerate() {
                prop_assert!(node.children().iter().all(|c| (*c as usize) < i));
            }
        }
    }
}
